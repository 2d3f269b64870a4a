import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, eventually, type Harness } from '../../test/harness.ts'
import { type MetricsScope, type NodeFigures, nodeMetrics } from './node-metrics.ts'
import { rawNodeFigures, rawPortCounts } from './raw-node-metrics.ts'
import { rollupSteps } from './rollup.ts'
import { rolledRange } from './step-source.ts'

const DAY = 86_400_000
const NOW = Date.now()
let h: Harness

/** A repeatable stream of numbers in [0, 1). */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
}
const rand = random(20_250_301)
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!

/** Durations with repeats, sub-millisecond and negative values, microseconds and days. */
function duration(): number {
  const r = rand()
  if (r < 0.3) return Math.floor(rand() * 40)
  if (r < 0.5) return Math.round(rand() * 5_000_000) / 1000
  if (r < 0.55) return rand()
  if (r < 0.57) return -rand() * 5
  return Math.exp(rand() * Math.log(10 * DAY))
}

type StepSpec = {
  run: number
  node: string
  visit: number
  status: string
  attempt: number
  port: string | null
  at: number
  proc: number
  wait: number | null
}

/** Steps of `runs` orders created over [from, to) ms, some still pending, running or waiting. */
async function seedRuns(first: number, runs: number, from: number, to: number) {
  const customer = await h.db
    .insertInto('customers')
    .values({ email: `r${first}@example.com` })
    .returning('id')
    .executeTakeFirstOrThrow()
  const ids: number[] = []
  for (let i = 0; i < runs; i++) {
    const order = await sql<{
      id: number
    }>`insert into orders (channel, external_id, customer_id, currency, shipping_address, shipping_method, payment_method, subtotal, shipping_total, tax_total, total)
      values ('web', ${`r-${first + i}`}, ${customer.id}, 'EUR', '{}', 'standard', 'card', 1, 0, 0, 1) returning id`.execute(
      h.db,
    )
    const run = await h.db
      .insertInto('runs')
      .values({ order_id: order.rows[0]!.id, flow_id: 'r', flow_version: 1 + (i % 2), status: 'running' })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(run.id)
  }
  const steps: StepSpec[] = []
  for (const run of ids) {
    const at = from + rand() * (to - from)
    for (const [node, visits, waits] of [
      ['a', rand() < 0.1 ? 2 : 1, false],
      ['w', 1, true],
      ['b', rand() < 0.7 ? 1 : 0, false],
    ] as const) {
      for (let visit = 1; visit <= visits; visit++) {
        const r = rand()
        const status =
          r < 0.8
            ? 'completed'
            : r < 0.88
              ? 'failed'
              : r < 0.92
                ? 'cancelled'
                : r < 0.96 && waits
                  ? 'waiting'
                  : r < 0.98
                    ? 'running'
                    : 'pending'
        steps.push({
          run,
          node,
          visit,
          status,
          attempt: 1 + Math.floor(rand() * 3),
          port: pick(['x', 'y', 'x', null]),
          at: at + rand() * 3_600_000,
          proc: duration(),
          wait: waits ? Math.abs(duration()) : null,
        })
      }
    }
  }
  // timestamps computed in SQL, to the microsecond
  await sql`insert into steps (run_id, node_id, node_type, visit, status, attempt, port, created_at, started_at, waiting_since, finished_at)
    select run, node, 'type-' || node, visit, status, attempt, port, c, case when status <> 'pending' then c end, ws,
      case when status in ('completed', 'failed', 'cancelled') then coalesce(ws + make_interval(secs => wait / 1000), c + make_interval(secs => proc / 1000)) end
    from jsonb_to_recordset(${JSON.stringify(steps)}::jsonb) as t(run bigint, node text, visit int, status text, attempt int, port text, at float8, proc float8, wait float8)
    cross join lateral (select to_timestamp(at / 1000) as c) x
    cross join lateral (select case when wait is not null and status not in ('pending', 'running') then c + make_interval(secs => proc / 1000) end as ws) y`.execute(
    h.db,
  )
}

const strip = (f: NodeFigures[]) =>
  f.map((x) => ({
    ...x,
    processingMs: { ...x.processingMs, mean: 0 },
    waitingMs: { ...x.waitingMs, mean: 0 },
  }))

/** The rollup-backed figures equal the raw queries': counts, ports and percentiles bit for bit. */
async function expectSameAsRaw(scope: MetricsScope) {
  const rolled = await nodeMetrics(h.db, scope)
  const figures = await rawNodeFigures(h.db, scope)
  expect(rolled.ports).toEqual(await rawPortCounts(h.db, scope))
  expect(strip(rolled.figures)).toEqual(strip(figures))
  // means add the same values in another order, so they may differ in the last bits
  rolled.figures.forEach((f, i) => {
    for (const kind of ['processingMs', 'waitingMs'] as const) {
      const [a, b] = [f[kind].mean, figures[i]![kind].mean]
      if (a === null || b === null) expect(a).toBe(b)
      else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)))
    }
  })
  return rolled
}

const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY)
const windows: [string, MetricsScope][] = [
  ['all versions', { flowId: 'r' }],
  ['one version', { flowId: 'r', version: 2 }],
  ['from the middle of a day', { flowId: 'r', from: at(20.3) }],
  ['across months, cut at both ends', { flowId: 'r', version: 1, from: at(50.6), to: at(10.2) }],
  ['ending before the rollup does', { flowId: 'r', from: at(3.5), to: new Date(NOW - 3_600_000) }],
  ['the last day', { flowId: 'r', from: at(1) }],
  ['within one day', { flowId: 'r', from: at(5.2), to: at(5.1) }],
]

beforeAll(async () => {
  h = await createHarness({ seed: false })
  const graph = JSON.stringify({ nodes: [], edges: [] })
  await h.db
    .insertInto('flows')
    .values({ id: 'r', name: 'rollup', draft: graph, active_version: 2 })
    .execute()
  await h.db
    .insertInto('flow_versions')
    .values([1, 2].map((version) => ({ flow_id: 'r', version, graph, published_by: 't' })))
    .execute()
  // 75 days of steps, and some from the last minutes, which the rollup leaves to the raw read
  await seedRuns(0, 500, NOW - 75 * DAY, NOW - 10 * 60_000)
  await seedRuns(1000, 30, NOW - 4 * 60_000, NOW - 60_000)
})
afterAll(async () => h?.close())

describe('per-node metrics from the rollup', () => {
  it('rolls up every step once, and nothing the second time', async () => {
    const first = await rollupSteps(h.db, { chunkDays: 10 })
    const total = await sql<{
      n: number
    }>`select count(*)::int as n from steps where created_at < ${first.rolledTo}`.execute(h.db)
    expect(first.steps + first.open).toBe(total.rows[0]!.n)
    expect(first.open).toBeGreaterThan(0)
    expect(await rollupSteps(h.db)).toMatchObject({ steps: 0, open: 0 })
    expect(await rolledRange(h.db, { flowId: 'r' })).toBeDefined()
  })

  it.each(windows)('matches the raw queries: %s', async (_, scope) => {
    await expectSameAsRaw(scope)
  })

  it('stays exact while open steps finish, before and after the next rollup, and counts waiting now live', async () => {
    const waiting = async () =>
      [...(await nodeMetrics(h.db, { flowId: 'r' })).waiting.values()].reduce((a, b) => a + b, 0)
    const before = await waiting()
    const open = await sql<{
      id: number
      status: string
    }>`select s.id, s.status from step_rollup_open o join steps s on s.id = o.step_id order by s.id limit 6`.execute(
      h.db,
    )
    expect(open.rows.some((s) => s.status === 'waiting')).toBe(true)
    for (const s of open.rows) {
      await sql`update steps set status = 'completed', port = 'y', attempt = attempt + 1, started_at = coalesce(started_at, created_at),
        finished_at = coalesce(started_at, created_at) + interval '1234.567 seconds' where id = ${s.id}`.execute(
        h.db,
      )
    }
    expect(await waiting()).toBe(before - open.rows.filter((s) => s.status === 'waiting').length)
    for (const [, scope] of windows) await expectSameAsRaw(scope)
    const settled = await rollupSteps(h.db)
    expect(settled.steps).toBeGreaterThanOrEqual(open.rows.length)
    const listed = await sql<{
      n: number
    }>`select count(*)::int as n from step_rollup_open where step_id = any(${open.rows.map((s) => s.id)}::bigint[])`.execute(
      h.db,
    )
    expect(listed.rows[0]!.n).toBe(0)
    for (const [, scope] of windows) await expectSameAsRaw(scope)
  })

  it('is rebuilt from nothing by the rollup_metrics job', async () => {
    await sql`truncate step_rollup_state, step_rollup_nodes, step_rollup_ports, step_rollup_durations,
      step_rollup_duration_months, step_rollup_open`.execute(h.db)
    await sql`select graphile_worker.add_job('rollup_metrics')`.execute(h.db)
    await h.worker()
    await eventually(
      async () =>
        (await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs`.execute(h.db)).rows[0]!
          .n === 0,
    )
    expect(await rolledRange(h.db, { flowId: 'r' })).toBeDefined()
    for (const [, scope] of windows) await expectSameAsRaw(scope)
  })
})
