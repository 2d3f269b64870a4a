import { PerformanceObserver } from 'node:perf_hooks'
import { sql } from 'kysely'
import pino from 'pino'
import { defaultServices } from '../engine/adapters/index.ts'
import { seedTemplates } from '../engine/email/template-store.ts'
import { receiveOrder } from '../engine/orders/intake.ts'
import { IntakeBatcher } from '../engine/orders/intake-batcher.ts'
import type { OrderInput } from '../engine/orders/order-model.ts'
import { systemClock } from '../engine/node-contract.ts'
import type { RunnerDeps } from '../engine/runner/deps.ts'
import { RuleEngineCache } from '../engine/rules.ts'
import { seed } from '../engine/seed/seed.ts'
import { startWorker } from '../engine/worker.ts'
import { ENGINE_POOL_SIZE, ENGINE_WORKER_SETTINGS } from './settings.ts'
import { type benchCluster, percentile } from './setup.ts'
import { prepareSimulation, syntheticOrder } from './simulation.ts'

type Cluster = Awaited<ReturnType<typeof benchCluster>>

/** Orders run through the engine before anything is measured (see engineDb). */
export const HISTORY_ORDERS = 500

/**
 * A database like a running shop's: the catalogue, and HISTORY_ORDERS orders already run through
 * the engine and analysed. On an empty database PostgreSQL plans the engine's prepared
 * statements for empty pick-list and reservation tables (sequential scans) and keeps those plans
 * until autovacuum's first analyse, a minute or more later: longer than a benchmark part runs.
 */
export async function engineDb(cluster: Cluster) {
  const db = await cluster.freshDb(ENGINE_POOL_SIZE)
  await seedTemplates(db.db)
  await seed(db.db)
  await prepareSimulation(db.db)
  await insertOrders(db, Array.from({ length: HISTORY_ORDERS }, (_, i) => ({ ...syntheticOrder(i), externalId: `history-${i}` })))
  const worker = await startWorker({ db: db.db, pool: db.pool, deps: deps(db), ...ENGINE_WORKER_SETTINGS })
  await waitAllFinished(db, 0)
  await worker.stop()
  await sql`analyze`.execute(db.db)
  return db
}

function deps(db: Awaited<ReturnType<typeof engineDb>>): RunnerDeps {
  return { services: defaultServices(db.db), rules: new RuleEngineCache(), clock: systemClock, log: pino({ level: 'silent' }), maxAttempts: 5, retryBaseMs: 1000, maxChain: 50 }
}

async function insertOrders(db: Awaited<ReturnType<typeof engineDb>>, orders: OrderInput[], concurrency = 16) {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < orders.length) await receiveOrder(db.db, orders[next++]!)
    }),
  )
}

/** Waits until `total` runs besides the history (HISTORY_ORDERS) have ended. */
async function waitAllFinished(db: Awaited<ReturnType<typeof engineDb>>, total: number, onSample?: () => void) {
  for (;;) {
    const r = await sql<{ n: number }>`select count(*)::int as n from runs where status in ('completed', 'failed', 'cancelled')`.execute(db.db)
    onSample?.()
    if (r.rows[0]!.n >= HISTORY_ORDERS + total) return
    await new Promise((res) => setTimeout(res, 50))
  }
}

/** Time from submitting each order (a wall-clock ms, by external id) to its run's end, over `submitted`. */
async function latencies(db: Awaited<ReturnType<typeof engineDb>>, submitted: Map<string, number>) {
  const rows = await sql<{ external_id: string; done: number }>`
    select o.external_id, extract(epoch from r.finished_at) * 1000 as done
    from runs r join orders o on o.id = r.order_id
    where r.finished_at is not null and o.channel = 'bench' and o.external_id = any(${[...submitted.keys()]}::text[])`.execute(
    db.db,
  )
  const ms = rows.rows.map((r) => Number(r.done) - submitted.get(r.external_id)!).sort((a, b) => a - b)
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99) }
}

/** N orders queued at once, then one worker with the engine's settings drains them. */
export async function engineBurst(cluster: Cluster, n: number, onWorkerStart?: () => void) {
  const db = await engineDb(cluster)
  try {
    const historySteps = (await sql<{ n: number }>`select count(*)::int as n from steps`.execute(db.db)).rows[0]!.n
    await insertOrders(db, Array.from({ length: n }, (_, i) => syntheticOrder(i)))
    await sql`analyze`.execute(db.db)
    const rssBefore = process.memoryUsage().rss
    let peakRss = rssBefore
    onWorkerStart?.()
    // garbage-collection pauses of this process (the worker's main thread) while it drains
    let gcMs = 0
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration
    })
    gc.observe({ entryTypes: ['gc'] })
    const started = performance.now()
    const worker = await startWorker({ db: db.db, pool: db.pool, deps: deps(db), ...ENGINE_WORKER_SETTINGS })
    await waitAllFinished(db, n, () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    })
    const seconds = (performance.now() - started) / 1000
    gc.disconnect()
    const batching = worker.batchStats()
    await worker.stop()
    const steps = (await sql<{ n: number }>`select count(*)::int as n from steps`.execute(db.db)).rows[0]!.n - historySteps
    const failed = (await sql<{ n: number }>`select count(*)::int as n from runs where status <> 'completed'`.execute(db.db)).rows[0]!.n
    return {
      orders: n,
      seconds,
      ordersPerSecond: n / seconds,
      steps,
      stepsPerSecond: steps / seconds,
      notCompleted: failed,
      peakRssMb: peakRss / 2 ** 20,
      rssBeforeMb: rssBefore / 2 ** 20,
      gcMsPerThousandOrders: (gcMs / n) * 1000,
      statementsPerWrite: batching.statements / batching.writes,
      fallbacks: batching.fallbacks,
    }
  } finally {
    await db.drop()
  }
}

/**
 * Orders fed at a steady rate while the worker runs: latency from intake to completion at that
 * load, fed through the API's own intake path (IntakeBatcher) in this process. The same rate for
 * `warmupSeconds` first, left out of the figures and reported apart: a fresh worker's first
 * seconds (JIT, statements prepared on each connection, caches) are slow (at 40/s: p99 ~0.8 s
 * against ~20 ms after), and at a rate near capacity their backlog would stand for the steady state.
 * With `quietSeconds`, then nothing for that long and the rate again for 3 s: the first orders
 * after a quiet spell (`afterQuiet`), which meet whatever the pool closed meanwhile.
 */
export async function engineSteady(
  cluster: Cluster,
  ratePerSecond: number,
  seconds: number,
  opts: { warmupSeconds?: number; quietSeconds?: number } = {},
) {
  const db = await engineDb(cluster)
  try {
    const worker = await startWorker({ db: db.db, pool: db.pool, deps: deps(db), ...ENGINE_WORKER_SETTINGS })
    const intake = new IntakeBatcher(db.db)
    // each order's latency runs from when it was handed to intake (queueing in the batcher counts)
    const feed = async (first: number, count: number) => {
      const submitted = new Map<string, number>()
      const started = performance.now()
      const inflight: Promise<unknown>[] = []
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / ratePerSecond
        const wait = due - performance.now()
        if (wait > 1) await new Promise((r) => setTimeout(r, wait))
        const order = syntheticOrder(first + i)
        submitted.set(order.externalId, Date.now())
        inflight.push(intake.receive(order))
        if (inflight.length > 64) await Promise.all(inflight.splice(0, inflight.length))
      }
      await Promise.all(inflight)
      return { seconds: (performance.now() - started) / 1000, submitted }
    }
    const warm = ratePerSecond * (opts.warmupSeconds ?? 3)
    const warmup = await feed(0, warm)
    await waitAllFinished(db, warm)
    const total = ratePerSecond * seconds
    const measured = await feed(warm, total)
    await waitAllFinished(db, warm + total)
    let afterQuiet: Awaited<ReturnType<typeof latencies>> | undefined
    if (opts.quietSeconds) {
      await new Promise((r) => setTimeout(r, opts.quietSeconds! * 1000))
      const again = await feed(warm + total, ratePerSecond * 3)
      await waitAllFinished(db, warm + total + ratePerSecond * 3)
      afterQuiet = await latencies(db, again.submitted)
    }
    await worker.stop()
    return {
      ratePerSecond,
      orders: total,
      achievedIntakeRate: total / measured.seconds,
      ...(await latencies(db, measured.submitted)),
      warmupP99: (await latencies(db, warmup.submitted)).p99,
      ...(afterQuiet ? { afterQuietP50: afterQuiet.p50, afterQuietP99: afterQuiet.p99 } : {}),
    }
  } finally {
    await db.drop()
  }
}
