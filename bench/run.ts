import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { engineBurst, engineSteady } from './engine.ts'
import { floorBench } from './floor.ts'
import { intakeBench } from './intake.ts'
import { workerMemory } from './memory.ts'
import { emailBench, rulesBench } from './micro.ts'
import { metricsBench, type Timing } from './metrics.ts'
import { benchCluster, median } from './setup.ts'

/**
 * `npm run bench [-- --orders 5000 --runs 3 --rate 80,300 --intake-seconds 10 --memory]`: floor, engine,
 * intake and micro benchmarks on one database server, medians of several runs, printed as a
 * table and written to bench/results/<timestamp>.json.
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '3' },
    // one run each: above capacity the p99 only measures how long the queue grew
    rate: { type: 'string', default: '80,300' },
    'steady-seconds': { type: 'string', default: '10' },
    'intake-seconds': { type: 'string', default: '10' },
    'metrics-steps': { type: 'string', default: '1000000' },
    'memory-orders': { type: 'string', default: '50000' },
    // the 50,000-order memory run takes about 10 minutes on 2 cores: asked for, not by default
    memory: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
})
const orders = Number(values.orders)
const runs = Number(values.runs)
const only = values.only?.split(',')
const want = (part: string) => (only ? only.includes(part) : part !== 'memory' || values.memory)
const rates = values.rate.split(',').map(Number)

function summarise<T extends Record<string, number>>(samples: T[]): Record<keyof T, { median: number; min: number; max: number }> {
  const out = {} as Record<keyof T, { median: number; min: number; max: number }>
  for (const key of Object.keys(samples[0]!) as (keyof T)[]) {
    const v = samples.map((s) => s[key] as number)
    out[key] = { median: median(v), min: Math.min(...v), max: Math.max(...v) }
  }
  return out
}

const cluster = await benchCluster()
const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() }, orders, runs }
const log = (msg: string) => process.stderr.write(`${msg}\n`)
try {
  if (want('floor')) {
    const s = []
    for (let i = 0; i < runs; i++) {
      s.push(await floorBench(cluster, Math.max(orders * 4, 10_000)))
      log(`floor run ${i + 1}: ${s.at(-1)!.jobsPerSecond.toFixed(0)} jobs/s`)
    }
    results.floor = summarise(s)
    const plain = []
    for (let i = 0; i < runs; i++) {
      plain.push(await floorBench(cluster, Math.max(orders, 5_000), true))
      log(`floor (graphile defaults) run ${i + 1}: ${plain.at(-1)!.jobsPerSecond.toFixed(0)} jobs/s`)
    }
    results.floorPlain = summarise(plain)
  }
  if (want('engine')) {
    const s = []
    for (let i = 0; i < runs; i++) {
      s.push(await engineBurst(cluster, orders))
      log(`engine run ${i + 1}: ${s.at(-1)!.ordersPerSecond.toFixed(0)} orders/s, ${s.at(-1)!.stepsPerSecond.toFixed(0)} steps/s`)
    }
    results.engine = summarise(s)
  }
  if (want('steady')) {
    for (const rate of rates) {
      // the first rate also measures the first orders after 15 quiet seconds
      const r = await engineSteady(cluster, rate, Number(values['steady-seconds']), { quietSeconds: rate === rates[0] ? 15 : undefined })
      log(`steady: p99 ${r.p99.toFixed(0)} ms at ${rate}/s (warm-up p99 ${r.warmupP99.toFixed(0)} ms)`)
      results[`steady@${rate}`] = summarise([r])
    }
  }
  if (want('intake')) {
    const s = []
    for (let i = 0; i < runs; i++) {
      s.push(await intakeBench(cluster, Number(values['intake-seconds'])))
      log(`intake run ${i + 1}: ${s.at(-1)!.requestsPerSecond.toFixed(0)} req/s, p99 ${s.at(-1)!.p99Ms} ms`)
    }
    results.intake = summarise(s)
  }
  if (want('micro')) {
    const r = []
    const e = []
    for (let i = 0; i < runs; i++) {
      r.push(await rulesBench())
      e.push(emailBench())
    }
    results.rules = summarise(r)
    results.emails = summarise(e)
  }
  if (want('memory')) {
    // one long run: its samples over time are the measure, not a median
    const r = await workerMemory(cluster, Number(values['memory-orders']))
    log(`memory: ${r.orders} orders in ${r.seconds.toFixed(0)} s, worker RSS ${r.samples.map((s) => s.rssMb.toFixed(0)).join(' → ')} MB`)
    results.memory = r
  }
  if (want('metrics')) {
    const r = await metricsBench(cluster, { steps: Number(values['metrics-steps']), runs: 3 })
    log(`metrics: seeded ${r.steps} steps and ${r.orders} orders in ${r.seedSeconds.toFixed(0)} s`)
    results.metrics = r
  }
} finally {
  await cluster.stop()
}

const m = (part: string, key: string) => (results[part] as Record<string, { median: number }> | undefined)?.[key]?.median
const floor = m('floor', 'jobsPerSecond')
const floorPlain = m('floorPlain', 'jobsPerSecond')
if (floor && floorPlain) {
  results.ratios = {
    engineStepsPerFloorJob: (m('engine', 'stepsPerSecond') ?? Number.NaN) / floor,
    engineOrdersPerFloorJob: (m('engine', 'ordersPerSecond') ?? Number.NaN) / floor,
    engineStepsPerPlainFloorJob: (m('engine', 'stepsPerSecond') ?? Number.NaN) / floorPlain,
  }
}
const rows: [string, string, number | undefined, string][] = [
  ['floor', 'graphile-worker no-op jobs/s', floor, 'engine settings: local queue'],
  ['floor', 'no-op jobs/s, graphile defaults', floorPlain, 'concurrency 16, as before'],
  ['engine', 'orders/s (burst, default flow)', m('engine', 'ordersPerSecond'), ''],
  ['engine', 'steps/s', m('engine', 'stepsPerSecond'), ''],
  ['engine', 'peak RSS MB', m('engine', 'peakRssMb'), ''],
  ['engine', 'GC pause ms per 1,000 orders', m('engine', 'gcMsPerThousandOrders'), 'main thread'],
  ['engine', 'statements per socket write', m('engine', 'statementsPerWrite'), 'step batches'],
  ['engine', 'batches rolled back, run alone', m('engine', 'fallbacks'), ''],
  ...rates.flatMap((rate): [string, string, number | undefined, string][] => [
    ['steady', `p50 ms intake→completion @${rate}/s`, m(`steady@${rate}`, 'p50'), ''],
    ['steady', `p95 ms @${rate}/s`, m(`steady@${rate}`, 'p95'), ''],
    ['steady', `p99 ms @${rate}/s`, m(`steady@${rate}`, 'p99'), rate >= 300 ? 'target < 2000 at 300/s' : ''],
    ['steady', `p99 ms @${rate}/s, first 3 s of a fresh worker`, m(`steady@${rate}`, 'warmupP99'), 'left out above'],
    ['steady', `p50 ms @${rate}/s after 15 s with no orders`, m(`steady@${rate}`, 'afterQuietP50'), ''],
    ['steady', `p99 ms @${rate}/s after 15 s with no orders`, m(`steady@${rate}`, 'afterQuietP99'), ''],
  ]),
  ['intake', 'POST /api/orders req/s', m('intake', 'requestsPerSecond'), 'target >= 1000'],
  ['intake', 'p50 ms', m('intake', 'p50Ms'), ''],
  ['intake', 'p99 ms', m('intake', 'p99Ms'), 'target < 50'],
  ['intake', 'errors', m('intake', 'errors'), ''],
  ['memory', `worker RSS MB warm (${(results.memory as { orders?: number } | undefined)?.orders ?? 0} orders)`, (results.memory as Record<string, number> | undefined)?.warmRssMb, ''],
  ['memory', 'worker RSS MB at the end', (results.memory as Record<string, number> | undefined)?.lastRssMb, ''],
  ['memory', 'growth MB (end − warm)', (results.memory as Record<string, number> | undefined)?.growthMb, 'target: flat'],
  ['memory', 'orders/s sustained', (results.memory as Record<string, number> | undefined)?.ordersPerSecond, ''],
  ['rules', 'rule-set evaluations/s', m('rules', 'evaluationsPerSecond'), ''],
  ['emails', 'renders/s', m('emails', 'rendersPerSecond'), ''],
  ['ratio', 'engine steps/s ÷ floor jobs/s', (results.ratios as Record<string, number> | undefined)?.engineStepsPerFloorJob, 'target >= 1'],
  ['ratio', 'orders/s ÷ floor jobs/s', (results.ratios as Record<string, number> | undefined)?.engineOrdersPerFloorJob, ''],
  ['ratio', 'steps/s ÷ floor with graphile defaults', (results.ratios as Record<string, number> | undefined)?.engineStepsPerPlainFloorJob, ''],
]
console.log(`\norderflow benchmark — medians of ${runs} run(s), ${orders} orders, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
console.log(`${'part'.padEnd(8)} ${'measure'.padEnd(40)} ${'value'.padStart(12)}  note`)
for (const [part, what, value, note] of rows) {
  if (value === undefined) continue
  console.log(`${part.padEnd(8)} ${what.padEnd(40)} ${(Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 0)).padStart(12)}  ${note}`)
}
const metrics = results.metrics as Awaited<ReturnType<typeof metricsBench>> | undefined
if (metrics) {
  const ms = (t: Timing) => `${t.warm.toFixed(0)}`.padStart(12)
  const cold = (t: Timing) => `${metrics.cold ? 'cold' : 'first'} ${t.cold.toFixed(0)}`
  for (const [name, t] of Object.entries(metrics.withRollup)) {
    const raw = metrics.withoutRollup[name]!
    console.log(`${'metrics'.padEnd(8)} ${`ms flow metrics, ${name}`.padEnd(40)} ${ms(t)}  ${cold(t)}; steps alone ${raw.warm.toFixed(0)}, ${cold(raw)}; target < 200`)
  }
  console.log(`${'metrics'.padEnd(8)} ${`s rollup_metrics job, ${metrics.steps} steps`.padEnd(40)} ${metrics.rollup.seconds.toFixed(1).padStart(12)}  again with nothing new: ${metrics.rollup.rerunSeconds.toFixed(2)} s`)
  console.log(`${'kpis'.padEnd(8)} ${`s rollup_kpis job, ${metrics.orders} orders`.padEnd(40)} ${metrics.kpiRollupSeconds.toFixed(1).padStart(12)}`)
  for (const [name, t] of Object.entries(metrics.kpis)) {
    const open = metrics.kpisWithOpen.times[name]!
    console.log(`${'kpis'.padEnd(8)} ${`ms kpis, ${name} (${metrics.orders} orders)`.padEnd(40)} ${ms(t)}  ${cold(t)}; with ${metrics.kpisWithOpen.orders} orders open ${open.warm.toFixed(0)}, ${cold(open)}; target < 200`)
  }
}
const dir = path.join('bench', 'results')
fs.mkdirSync(dir, { recursive: true })
const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
fs.writeFileSync(file, JSON.stringify(results, null, 2))
console.log(`\nfull results: ${file}`)
