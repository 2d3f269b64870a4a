import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import { sql } from 'kysely'
import { receiveOrder } from '../engine/orders/intake.ts'
import { engineDb } from './engine.ts'
import { ENGINE_WORKER_SETTINGS } from './settings.ts'
import type { benchCluster } from './setup.ts'
import { syntheticOrder } from './simulation.ts'

type Cluster = Awaited<ReturnType<typeof benchCluster>>

/** Orders kept queued ahead of the worker: enough that it never idles, few enough to stay steady. */
const AHEAD = 2000

/**
 * Worker memory over a long run: `orderflow worker` in its own process (as in production) takes
 * `total` orders fed continuously, and its resident memory is sampled every `every` completed
 * orders. Flat = the last samples are no higher than the early ones beyond noise.
 */
export async function workerMemory(cluster: Cluster, total: number, every = 5000) {
  const db = await engineDb(cluster)
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', 'engine/cli.ts', 'worker'], {
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ORDERFLOW_CONCURRENCY: String(ENGINE_WORKER_SETTINGS.concurrency) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  try {
    // ready once it has registered itself (its logs go to stderr, and at this level say nothing)
    let exited: number | null | undefined
    child.once('exit', (code) => (exited = code))
    for (;;) {
      if (exited !== undefined) throw new Error(`orderflow worker exited (${exited})`)
      const up = await sql`select 1 from worker_processes where pid = ${child.pid!}`.execute(db.db)
      if (up.rows.length > 0) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const samples: { orders: number; rssMb: number }[] = [{ orders: 0, rssMb: rssMb(child.pid!) }]
    let fed = 0
    let done = 0
    const started = performance.now()
    const feed = async () => {
      while (fed < total) {
        if (fed - done >= AHEAD) await new Promise((r) => setTimeout(r, 20))
        else await receiveOrder(db.db, syntheticOrder(fed++))
      }
    }
    const feeders = Promise.all(Array.from({ length: 8 }, feed))
    while (done < total) {
      await new Promise((r) => setTimeout(r, 250))
      done = (await sql<{ n: number }>`select count(*)::int as n from runs where status = 'completed'`.execute(db.db)).rows[0]!.n
      if (done >= samples.length * every || done >= total) samples.push({ orders: done, rssMb: rssMb(child.pid!) })
    }
    await feeders
    const seconds = (performance.now() - started) / 1000
    // warm = once the first tenth ran (caches and pools filled); growth = last minus warm
    const warm = samples.find((s) => s.orders >= total / 10) ?? samples[1]!
    const last = samples.at(-1)!
    return {
      orders: total,
      seconds,
      ordersPerSecond: total / seconds,
      warmRssMb: warm.rssMb,
      peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
      lastRssMb: last.rssMb,
      growthMb: last.rssMb - warm.rssMb,
      samples,
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))
    await db.drop()
  }
}

/** Resident memory of a process (Linux /proc; `ps` elsewhere). */
function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
  } catch {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024
  }
}
