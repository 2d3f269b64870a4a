import { Kysely, PostgresDialect, type Transaction } from 'kysely'
import pg from 'pg'
import type { Database } from './db-types.ts'

export type Db = Kysely<Database>
export type Tx = Transaction<Database>
/** Either the pool or an open transaction: functions that take this join the caller's transaction. */
export type Executor = Kysely<Database>

// int8 ids and counts fit in a double; parse them to numbers. External ids stay text columns.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export interface DbHandle {
  db: Db
  pool: pg.Pool
  url: string
  close(): Promise<void>
}

export interface OpenDbOptions {
  /** Connections in the pool. (Default: 20) */
  max?: number
  /**
   * How long an idle connection stays open. A new connection costs its first statements their
   * planning and PostgreSQL's catalog look-ups: with pg's 10 s, orders after 15 quiet seconds
   * took p50 353 / p99 565 ms from intake to completion instead of 3 / 10 ms. (Default: 10 minutes)
   */
  idleTimeoutMillis?: number
  onError?: (e: Error) => void
}

/** Opens a pool; errors of idle clients (e.g. the server restarting) are logged, never fatal. */
export function openDb(url: string, opts: OpenDbOptions = {}): DbHandle {
  const pool = openPool(url, opts)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  let closed = false
  return {
    db,
    pool,
    url,
    close: async () => {
      if (closed) return
      closed = true
      await db.destroy()
    },
  }
}

/**
 * A pg pool with the engine's settings. `pipeline`: its clients send each statement without
 * waiting for the answer to the one before (node-postgres' pipeline mode), for the job batcher.
 */
export function openPool(url: string, opts: OpenDbOptions & { pipeline?: boolean } = {}): pg.Pool {
  const onError = opts.onError ?? (() => {})
  const pool = new pg.Pool({
    connectionString: url,
    pipeline: opts.pipeline ?? false,
    max: opts.max ?? 20,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 600_000,
    // idle connections do not keep a process alive (a CLI command ends when its work does)
    allowExitOnIdle: true,
    // TCP keepalives: a firewall or NAT that forgets a long-idle connection does not leave a dead socket
    keepAlive: true,
  })
  pool.on('error', onError)
  pool.on('connect', (client) => {
    client.on('error', onError)
    if (process.env.ORDERFLOW_PREPARE !== '0') prepareStatements(client)
  })
  return pool
}

/** Most distinct statements a connection keeps prepared (the engine has a few dozen). */
const MAX_PREPARED = 128

/**
 * Runs each parameterised statement as a named prepared statement on its connection: PostgreSQL
 * parses and plans it once per connection instead of on every call (about a fifth more orders/s
 * in the benchmark). Kysely passes (text, values); pg prepares a query given a name. Texts beyond
 * MAX_PREPARED per connection run unnamed. A statement whose plan a schema change invalidated
 * (another process migrated) is prepared again under a new name; on a pipelined client (the job
 * batcher's, always inside a transaction, which that error has already aborted) only the next
 * call uses the new name, and this one fails: its batch rolls back and its jobs run alone.
 */
function prepareStatements(client: pg.PoolClient) {
  const names = new Map<string, string>()
  let next = 0
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
  const prepared = async (text: string, values: unknown[], name: string) => {
    try {
      return await query({ name, text, values })
    } catch (error) {
      if (!String((error as Error).message).includes('cached plan must not change result type')) throw error
      const renamed = `of${next++}`
      names.set(text, renamed)
      // a retry written by a pipelined client would wait unsent behind its batch's corked socket
      if ((client as { pipeline?: boolean }).pipeline) throw error
      return query({ name: renamed, text, values })
    }
  }
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; we only touch (text, values)
  ;(client as any).query = (...args: unknown[]) => {
    const [text, values] = args
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || args.length !== 2)
      return query(...args)
    let name = names.get(text)
    if (!name && names.size < MAX_PREPARED) {
      name = `of${next++}`
      names.set(text, name)
    }
    return name ? prepared(text, values, name) : query(text, values)
  }
}
