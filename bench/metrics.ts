import { parseArgs } from 'node:util'
import { runOnce } from 'graphile-worker'
import { sql } from 'kysely'
import pino from 'pino'
import type { Db } from '../engine/db.ts'
import { flowMetrics } from '../engine/metrics/flow-metrics.ts'
import { kpis } from '../engine/metrics/kpis.ts'
import { rollupKpisTask, rollupMetricsTask } from '../engine/metrics/rollup-task.ts'
import { silentLogger } from '../engine/migrate.ts'
import { seedOrderFacts } from './seed-orders.ts'
import { BENCH_FLOW, seedSteps } from './seed-steps.ts'
import { benchCluster, median } from './setup.ts'

/**
 * The metrics part of `npm run bench`: seeds `steps` steps (bench/seed-steps.ts) and the orders
 * behind them (bench/seed-orders.ts), then times GET /api/flows/:id/metrics's query from the steps
 * alone (as before the rollup), the rollup_metrics job run as a worker runs it, the same query
 * after it, the rollup_kpis job, and GET /api/kpis's: with every order's facts filled in, and with
 * the last `openDays` of orders reopened (standing for the orders running, or changed since the
 * job's last run, that a query computes itself). Each case once cold-ish (PostgreSQL's shared
 * buffers emptied first; the OS file cache stays warm) and as the median of `runs` warm runs.
 *
 * `npx tsx bench/metrics.ts [--steps 1000000] [--runs 5]` runs it alone.
 */
const DAY = 86_400_000
const ago = (days: number) => new Date(Date.now() - days * DAY)
const METRICS = {
  'all versions': {},
  'version 2': { version: 2 },
  'last 30 days': { from: ago(30) },
  'last 7 days': { from: ago(7) },
  'last day': { from: ago(1) },
}
const KPIS = { 'all time': {}, 'last 30 days': { from: ago(30) } }

export type Timing = { cold: number; warm: number }

async function time(run: () => Promise<unknown>, evict: () => Promise<void>, runs: number): Promise<Timing> {
  await evict()
  let t = performance.now()
  await run()
  const cold = performance.now() - t
  const warm: number[] = []
  for (let i = 0; i < runs; i++) {
    t = performance.now()
    await run()
    warm.push(performance.now() - t)
  }
  return { cold, warm: median(warm) }
}

async function timeAll<S>(
  cases: Record<string, S>,
  run: (s: S) => Promise<unknown>,
  evict: () => Promise<void>,
  runs: number,
) {
  const out: Record<string, Timing> = {}
  for (const [name, scope] of Object.entries(cases)) out[name] = await time(() => run(scope), evict, runs)
  return out
}

/** Empties shared buffers (pg_buffercache, superuser); a no-op where that is not allowed. */
async function evictor(db: Db): Promise<{ evict: () => Promise<void>; cold: boolean }> {
  try {
    await sql`create extension if not exists pg_buffercache`.execute(db)
    const evict = async () => {
      await sql`select pg_buffercache_evict_all()`.execute(db)
    }
    await evict()
    return { evict, cold: true }
  } catch {
    return { evict: async () => {}, cold: false }
  }
}

/** Enqueues a rollup job and runs it with the worker's own task, as the worker's cron would. */
async function rollupJob(
  db: Db,
  pool: Parameters<typeof runOnce>[0]['pgPool'],
  task: 'rollup_metrics' | 'rollup_kpis',
) {
  await sql`select graphile_worker.add_job(${task})`.execute(db)
  const log = pino({ level: 'silent' })
  const t = performance.now()
  await runOnce({
    pgPool: pool,
    logger: silentLogger,
    taskList: { [task]: task === 'rollup_metrics' ? rollupMetricsTask(db, log) : rollupKpisTask(db, log) },
  })
  return (performance.now() - t) / 1000
}

export async function metricsBench(
  cluster: Awaited<ReturnType<typeof benchCluster>>,
  opts: { steps?: number; runs?: number; openDays?: number } = {},
) {
  const runs = opts.runs ?? 3
  const scratch = await cluster.freshDb(10)
  try {
    const t = performance.now()
    const seeded = await seedSteps(scratch.db, { steps: opts.steps })
    const facts = await seedOrderFacts(scratch.db)
    const seedSeconds = (performance.now() - t) / 1000
    const { evict, cold } = await evictor(scratch.db)
    const metrics = (scope: object) => flowMetrics(scratch.db, { flowId: BENCH_FLOW, ...scope })
    const withoutRollup = await timeAll(METRICS, metrics, evict, runs)
    const rollupSeconds = await rollupJob(scratch.db, scratch.pool, 'rollup_metrics')
    const rolled = await sql<{ rolled: number; open: number }>`select
      (select coalesce(sum(entered), 0) from step_rollup_nodes)::int as rolled, (select count(*) from step_rollup_open)::int as open`.execute(
      scratch.db,
    )
    // the periodic run with nothing new: re-reads the steps listed open
    const rerunSeconds = await rollupJob(scratch.db, scratch.pool, 'rollup_metrics')
    const withRollup = await timeAll(METRICS, metrics, evict, runs)
    const kpiRollupSeconds = await rollupJob(scratch.db, scratch.pool, 'rollup_kpis')
    const kpiTimes = await timeAll(KPIS, (scope) => kpis(scratch.db, scope), evict, runs)
    // what a query meets on a busy day: the orders changed since the job's last run computed live
    const reopened = await sql`update order_kpi_facts set state = 'open'
      where placed_at > now() - make_interval(days => ${opts.openDays ?? 2}::int)`.execute(scratch.db)
    await sql`analyze order_kpi_facts`.execute(scratch.db)
    const kpiOpenTimes = await timeAll(KPIS, (scope) => kpis(scratch.db, scope), evict, runs)
    return {
      ...seeded,
      orders: seeded.runs,
      facts,
      seedSeconds,
      cold,
      rollup: { seconds: rollupSeconds, rerunSeconds, ...rolled.rows[0]! },
      withoutRollup,
      withRollup,
      kpis: kpiTimes,
      kpisWithOpen: { orders: Number(reopened.numAffectedRows ?? 0), times: kpiOpenTimes },
      kpiRollupSeconds,
    }
  } finally {
    await scratch.drop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { steps: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } },
  })
  const cluster = await benchCluster()
  try {
    const r = await metricsBench(cluster, { steps: Number(values.steps), runs: Number(values.runs) })
    console.log(
      `seeded ${r.steps} steps, ${r.orders} orders in ${r.seedSeconds.toFixed(0)} s; rollup job ${r.rollup.seconds.toFixed(1)} s (again: ${r.rollup.rerunSeconds.toFixed(2)} s)`,
    )
    const ms = (t: Timing) => `${t.warm.toFixed(0)} ms (cold ${t.cold.toFixed(0)})`
    for (const name of Object.keys(r.withRollup))
      console.log(
        `metrics ${name.padEnd(14)} ${ms(r.withRollup[name]!).padStart(20)}   steps alone: ${ms(r.withoutRollup[name]!)}`,
      )
    console.log(`rollup_kpis job (${r.orders} orders): ${r.kpiRollupSeconds.toFixed(1)} s`)
    for (const [name, t] of Object.entries(r.kpis))
      console.log(
        `kpis    ${name.padEnd(14)} ${ms(t).padStart(20)}   with ${r.kpisWithOpen.orders} orders open: ${ms(r.kpisWithOpen.times[name]!)}`,
      )
  } finally {
    await cluster.stop()
  }
}
