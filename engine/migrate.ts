import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Logger, runMigrations } from 'graphile-worker'
import { sql } from 'kysely'
import type { Db } from './db.ts'

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations')

/**
 * Applies migrations/NNNN_slug.sql in order (forward only, each in its own transaction), then
 * graphile-worker's own schema. Safe to call from several processes at once: an advisory lock
 * serialises them.
 */
export async function migrate(db: Db, connectionString: string): Promise<string[]> {
  const applied: string[] = []
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7261001)`.execute(conn)
    try {
      await sql`create table if not exists orderflow_migrations (
        name text primary key, applied_at timestamptz not null default now())`.execute(conn)
      const done = new Set(
        (await sql<{ name: string }>`select name from orderflow_migrations`.execute(conn)).rows.map((r) => r.name),
      )
      for (const file of migrationFiles()) {
        if (done.has(file)) continue
        const text = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8')
        await conn.transaction().execute(async (tx) => {
          try {
            await sql.raw(text).execute(tx)
          } catch (cause) {
            throw new Error(`Migration ${file} failed: ${(cause as Error).message}. Nothing of it was applied.`, {
              cause,
            })
          }
          await sql`insert into orderflow_migrations (name) values (${file})`.execute(tx)
        })
        applied.push(file)
      }
    } finally {
      await sql`select pg_advisory_unlock(7261001)`.execute(conn)
    }
  })
  await runMigrations({ connectionString, logger: silentLogger })
  // without statistics every add_job scans the whole jobs table (see ../shared/STACK.md)
  await sql`analyze graphile_worker._private_jobs`.execute(db)
  return applied
}

function migrationFiles(): string[] {
  const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'))
  for (const f of files) {
    if (!/^\d{4}_[a-z0-9_]+\.sql$/.test(f)) {
      throw new Error(`migrations/${f} is not named NNNN_slug.sql; rename it so its order is clear.`)
    }
  }
  return files.sort()
}

export const silentLogger = new Logger(() => () => {})
