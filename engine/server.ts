import { type ServerType, serve } from '@hono/node-server'
import { defaultServices } from './adapters/index.ts'
import { createApp } from './api/app.ts'
import { createToken, ensureAdminToken } from './api/tokens-store.ts'
import type { Config } from './config.ts'
import { type DbHandle, openDb } from './db.ts'
import { seedTemplates } from './email/template-store.ts'
import { configureShop } from './email/template-data.ts'
import { configureSmtp } from './email/outbox.ts'
import { type EmbeddedDb, startEmbeddedDb } from './embedded-db.ts'
import { createLogger } from './logger.ts'
import { migrate } from './migrate.ts'
import { systemClock } from './node-contract.ts'
import type { RunnerDeps } from './runner/deps.ts'
import { RuleEngineCache } from './rules.ts'
import { seed } from './seed/seed.ts'
import { type OrderflowWorker, startWorker } from './worker.ts'

export interface Running {
  url: string
  handle: DbHandle
  stop(): Promise<void>
}

/** Connects (starting the embedded PostgreSQL when no DATABASE_URL is set) and migrates. */
export async function connect(config: Config, log = createLogger()) {
  let embedded: EmbeddedDb | undefined
  let url = config.databaseUrl
  if (!url) {
    embedded = await startEmbeddedDb(config.dataDir, (m) => log.warn(m))
    url = embedded.url
    log.info({ dataDir: config.dataDir }, 'embedded PostgreSQL started')
  }
  // jobs waiting for the step batcher hold no connection: the pool serves the API, graphile-worker's
  // own queries, adapters and jobs run alone, not one connection per job taken
  const handle = openDb(url, { max: Math.min(config.concurrency, 30) + 10, onError: (e) => log.warn({ err: e.message }, 'database connection error') })
  await migrate(handle.db, url)
  return {
    handle,
    async close() {
      await handle.close()
      await embedded?.stop()
    },
  }
}

export function runnerDeps(db: DbHandle['db'], log = createLogger()): RunnerDeps {
  return { services: defaultServices(db), rules: new RuleEngineCache(), clock: systemClock, log, maxAttempts: 5, retryBaseMs: 1000, maxChain: 50 }
}

/** `orderflow start` (API + worker + editor) and `orderflow worker` (worker only). */
export async function startOrderflow(config: Config, opts: { api: boolean; worker: boolean }): Promise<Running> {
  const log = createLogger()
  const conn = await connect(config, log)
  const { db, pool } = conn.handle
  configureSmtp(config.smtpUrl)
  configureShop(Object.fromEntries(Object.entries(config.shop).filter(([, v]) => v)))
  await seedTemplates(db)
  await seed(db)
  const loginToken = await adminToken(db, config)
  const deps = runnerDeps(db, log)
  let worker: OrderflowWorker | undefined
  if (opts.worker) {
    const { concurrency, batchSize } = config
    worker = await startWorker({ db, pool, deps, concurrency, batchSize, deadAfterSeconds: config.deadWorkerAfterSeconds })
    log.info({ id: worker.id, concurrency, batchSize }, 'worker started')
  }
  let server: ServerType | undefined
  const url = `http://localhost:${config.port}`
  if (opts.api) {
    const app = createApp({ db, log, rules: deps.rules, dbUrl: conn.handle.url })
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port }, () => resolve(s))
      s.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new Error(`Port ${config.port} is in use; stop the other process or set PORT to a free port.`) : e),
      )
    })
    console.log(`\n  orderflow is running at ${url}`)
    if (loginToken) console.log(`  Sign in (this link is shown once): ${url}/?token=${loginToken}\n`)
    else console.log('  Sign in with your admin token (ORDERFLOW_ADMIN_TOKEN or the one printed on first start).\n')
  }
  return {
    url,
    handle: conn.handle,
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      await worker?.stop()
      await conn.close()
    },
  }
}

/** The token to print: a new admin token on first start; none when one exists or is configured. */
async function adminToken(db: DbHandle['db'], config: Config): Promise<string | undefined> {
  if (config.adminToken) {
    await ensureAdminToken(db, config.adminToken)
    return config.adminToken
  }
  const existing = await db.selectFrom('api_tokens').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).executeTakeFirst()
  if (existing) return undefined
  return (await createToken(db, 'admin (first start)', 'admin')).token
}
