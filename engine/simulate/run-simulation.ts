import { sql } from 'kysely'
import pino from 'pino'
import { SimulatedCarrier, SimulatedChannel, SimulatedPaymentProvider } from '../adapters/index.ts'
import type { Db } from '../db.ts'
import type { Graph } from '../graph.ts'
import { type FlowMetrics, flowMetrics } from '../metrics/flow-metrics.ts'
import { type KpiReport, kpis } from '../metrics/kpis.ts'
import { receiveOrder } from '../orders/intake.ts'
import type { RunnerDeps } from '../runner/deps.ts'
import { RuleEngineCache } from '../rules.ts'
import { startWorker } from '../worker.ts'
import type { SimOrder } from './order-stream.ts'
import { copyWorld, createScratchDb, installFlow } from './scratch-db.ts'
import { Calendar, SimClock } from './sim-clock.ts'
import { World } from './world.ts'

const DAY = 86_400_000

export interface SimFlow {
  id: string
  name: string
  version: number
  graph: Graph
}

export interface Progress {
  placed: number
  total: number
  finished: number
  simTime: Date
  /** the last report of the run */
  done?: boolean
}

export interface RunOptions {
  /** The simulated clock moves in steps of at least this much: events within a step happen together. (Default: 15 minutes) */
  tickMs?: number
  /** Stop this many simulated days after the last order, whatever is still waiting. (Default: 60) */
  settleDays?: number
  /** Jobs at once in the simulation's worker. (Default: 8) */
  concurrency?: number
  onProgress?: (p: Progress) => void
}

export interface RunResult {
  flow: { id: string; version: number }
  orders: number
  runs: Record<string, number>
  simulatedDays: number
  wallSeconds: number
  metrics: FlowMetrics
  kpis: KpiReport
}

/**
 * Runs the order stream through one flow version on the real engine (worker, intake, nodes) in
 * a scratch database on the same server as `real`, which is only read. Simulated time: the
 * clock jumps over idle stretches; a job due at a simulated time is released when the clock
 * gets there (graphile_worker.reschedule_jobs), so a 10-day wait takes milliseconds.
 */
export async function runSimulation(
  real: Db,
  realUrl: string,
  flow: SimFlow,
  stream: { orders: SimOrder[]; outOfStock: string[] },
  opts: RunOptions = {},
): Promise<RunResult> {
  const wall = Date.now()
  const tickMs = opts.tickMs ?? 15 * 60_000
  const scratch = await createScratchDb(realUrl)
  const { db, pool } = scratch
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined
  try {
    await copyWorld(real, db)
    await installFlow(db, flow)
    await prepareStock(db, stream)
    const first = stream.orders[0]?.placedAt.getTime() ?? Date.now()
    const last = stream.orders.at(-1)?.placedAt.getTime() ?? first
    const clock = new SimClock(new Date(first))
    // the stream was generated from `start`; shift it if the clock had to start later (never before real time)
    const shift = clock.now().getTime() - first
    const calendar = new Calendar()
    const fates = new Map(stream.orders.map((o) => [o.input.externalId, o.fate]))
    const world = new World(db, clock, calendar, fates)
    world.scheduleRestocks(stream.outOfStock, 50, 4, first + shift, last + shift + 14 * DAY)
    let placed = 0
    for (const o of stream.orders) {
      const at = o.placedAt.getTime() + shift
      calendar.add(at, async () => {
        await receiveOrder(db, { ...o.input, placedAt: new Date(at).toISOString(), flowId: flow.id })
        placed++
      })
    }
    const deps: RunnerDeps = {
      services: {
        payment: new SimulatedPaymentProvider(db),
        carrier: new SimulatedCarrier({ clock: () => clock.now() }),
        channel: new SimulatedChannel(db),
      },
      rules: new RuleEngineCache(),
      clock,
      log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
      maxAttempts: 5,
      retryBaseMs: 100,
      maxChain: 50,
    }
    worker = await startWorker({
      db,
      pool,
      deps,
      concurrency: opts.concurrency ?? 8,
      pollInterval: 20,
      deadAfterSeconds: 3600,
      // simulated customers never get real email, even in a process with SMTP_URL set
      emailDelivery: 'store',
    })
    const end = last + shift + (opts.settleDays ?? 60) * DAY
    const report = async (done = false) =>
      opts.onProgress?.({
        placed,
        total: stream.orders.length,
        finished: await finishedRuns(db),
        simTime: clock.now(),
        done,
      })
    let ticks = 0
    const spent = { calendar: 0, settle: 0, observe: 0 }
    const timed = async (k: keyof typeof spent, f: () => Promise<unknown>) => {
      const t = performance.now()
      await f()
      spent[k] += performance.now() - t
    }
    for (;;) {
      // everything due now: outside events, then the jobs they and earlier work released, until quiet
      for (;;) {
        await timed('calendar', () => runAll(calendar.takeDue(clock.now().getTime()), 8))
        await timed('settle', () => settle(db, clock))
        await timed('observe', () => world.observe())
        if ((calendar.next() ?? Number.POSITIVE_INFINITY) > clock.now().getTime()) break
      }
      if (++ticks % 10 === 0) await report()
      const next = Math.min(calendar.next() ?? Number.POSITIVE_INFINITY, await nextJobAt(db))
      if (!Number.isFinite(next) || next > end) break
      clock.advanceTo(Math.max(next, clock.now().getTime() + tickMs))
    }
    await report(true)
    if (process.env.ORDERFLOW_SIM_DEBUG) console.error({ ticks, msSpent: spent })
    const runs = Object.fromEntries(
      (
        await db
          .selectFrom('runs')
          .select(['status', sql<number>`count(*)::int`.as('n')])
          .groupBy('status')
          .execute()
      ).map((r) => [r.status, r.n]),
    )
    const [metrics, kpiReport] = await Promise.all([
      flowMetrics(db, { flowId: flow.id, version: flow.version }),
      kpis(db, { flowId: flow.id }, { now: clock.now() }),
    ])
    return {
      flow: { id: flow.id, version: flow.version },
      orders: placed,
      runs,
      simulatedDays: (clock.now().getTime() - first - shift) / DAY,
      wallSeconds: (Date.now() - wall) / 1000,
      metrics,
      kpis: kpiReport,
    }
  } finally {
    await worker?.stop()
    await scratch.drop()
  }
}

/**
 * Runs what fell due together, `width` at a time: orders and their events are independent, and
 * one at a time would leave the database idle between round trips.
 */
async function runAll(tasks: (() => Promise<void>)[], width: number) {
  let next = 0
  const lane = async () => {
    while (next < tasks.length) await tasks[next++]!()
  }
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane))
}

/** The stream's out-of-stock SKUs start at zero; the others get enough stock for the stream. */
async function prepareStock(db: Db, stream: { orders: SimOrder[]; outOfStock: string[] }) {
  const demand = new Map<string, number>()
  for (const o of stream.orders)
    for (const l of o.input.lines) demand.set(l.sku, (demand.get(l.sku) ?? 0) + l.quantity)
  for (const [sku, units] of demand) {
    if (stream.outOfStock.includes(sku)) continue
    await db
      .updateTable('inventory')
      .set({ on_hand: sql`greatest(on_hand, ${units * 2}::int)` })
      .where('sku', '=', sku)
      .execute()
  }
  if (stream.outOfStock.length > 0)
    await db
      .updateTable('inventory')
      .set({ on_hand: 0, reserved: 0 })
      .where('sku', 'in', stream.outOfStock)
      .execute()
}

/** Waits until no job is due at the simulated now, releasing jobs due in simulated time as it goes. */
async function settle(db: Db, clock: SimClock) {
  for (let i = 0; ; i++) {
    const now = clock.now()
    const { rows } = await sql<{ due: number; future: number[] }>`
      select count(*)::int as due,
        coalesce(array_agg(id) filter (where run_at > now() and locked_at is null), '{}') as future
      from graphile_worker.jobs
      where run_at <= ${now}::timestamptz and attempts < max_attempts`.execute(db)
    const { due, future } = rows[0]!
    if (due === 0) return
    if (future.length > 0) {
      await sql`select graphile_worker.reschedule_jobs(${future}::bigint[], run_at := now())`.execute(db)
      // rescheduling sends no notification: nudge the workers as add_jobs would, instead of waiting for their poll
      await sql`select pg_notify('jobs:insert', json_build_object('r', random(), 'count', ${future.length}::int)::text)`.execute(
        db,
      )
    }
    await new Promise((r) => setTimeout(r, i < 10 ? 5 : 20))
  }
}

async function nextJobAt(db: Db): Promise<number> {
  const { rows } = await sql<{
    at: Date | null
  }>`select min(run_at) as at from graphile_worker.jobs where attempts < max_attempts`.execute(db)
  return rows[0]?.at?.getTime() ?? Number.POSITIVE_INFINITY
}

async function finishedRuns(db: Db): Promise<number> {
  const r = await db
    .selectFrom('runs')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', 'in', ['completed', 'failed', 'cancelled'])
    .executeTakeFirst()
  return r?.n ?? 0
}
