import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { openDb } from '../engine/db.ts'
import { startEmbeddedDb } from '../engine/embedded-db.ts'
import { migrate } from '../engine/migrate.ts'

/**
 * A scratch database for one benchmark part: on the embedded cluster (or DATABASE_URL's server),
 * created fresh and migrated, so parts do not disturb each other and real data is never touched.
 */
export async function benchCluster() {
  let adminUrl = process.env.DATABASE_URL
  let stop = async () => {}
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-bench-'))
    const embedded = await startEmbeddedDb(dir)
    adminUrl = embedded.url
    stop = async () => {
      await embedded.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  let n = 0
  return {
    adminUrl,
    async freshDb(poolSize = 20) {
      const name = `orderflow_bench_${process.pid}_${++n}`
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.query(`create database ${name}`)
      await admin.end()
      const u = new URL(adminUrl!)
      u.pathname = `/${name}`
      const handle = openDb(u.toString(), { max: poolSize })
      await migrate(handle.db, u.toString())
      return {
        ...handle,
        async drop() {
          await handle.close()
          const a = new pg.Client({ connectionString: adminUrl })
          await a.connect()
          await a.query(`drop database if exists ${name} with (force)`)
          await a.end()
        },
      }
    },
    stop,
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
