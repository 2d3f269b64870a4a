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

/** Opens a pool; errors of idle clients (e.g. the server restarting) are logged, never fatal. */
export function openDb(url: string, opts: { max?: number; onError?: (e: Error) => void } = {}): DbHandle {
  const onError = opts.onError ?? (() => {})
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 20 })
  pool.on('error', onError)
  pool.on('connect', (client) => client.on('error', onError))
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
