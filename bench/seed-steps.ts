import { sql } from 'kysely'
import type { Db } from '../engine/db.ts'

/**
 * Seeds a metrics benchmark fast, in SQL with generate_series: one flow with two versions of a
 * ten-node order process, `steps / 10` orders and runs spread over `days`, ten steps each with
 * realistic statuses, ports, retries, waits and timings. 1,000,000 steps take ~20-40 s here.
 * bench/metrics.ts times the metrics and KPI queries on it.
 */
export const BENCH_FLOW = 'bench-metrics'

const NODES: [id: string, type: string, ports: string[], waits: boolean][] = [
  ['receive', 'receive', ['next'], false],
  ['pay', 'pay', ['paid', 'failed'], false],
  ['rules', 'set', ['next'], false],
  ['stock', 'check-stock', ['inStock', 'partial', 'outOfStock'], false],
  ['pick', 'wait', ['event', 'timeout'], true],
  ['pack', 'wait', ['event', 'timeout'], true],
  ['ship', 'send-email', ['sent'], false],
  ['delivery', 'wait', ['event', 'timeout'], true],
  ['review', 'wait', ['event', 'timeout'], true],
  ['end', 'end', [], false],
]

function graph(version: number) {
  const nodes = NODES.map(([id, type], i) => ({ id, type, config: {}, position: { x: i * 200, y: 0 } }))
  const edges = NODES.slice(0, -1).flatMap(([id, , ports], i) =>
    ports.map((port) => ({
      id: `${id}-${port}`,
      source: id,
      sourceHandle: port,
      target: port === 'failed' && version === 2 ? 'end' : NODES[i + 1]![0],
    })),
  )
  return { nodes, edges }
}

export async function seedSteps(
  db: Db,
  opts: { steps?: number; days?: number } = {},
): Promise<{ runs: number; steps: number }> {
  const runs = Math.ceil((opts.steps ?? 1_000_000) / NODES.length)
  const days = opts.days ?? 90
  await db
    .insertInto('flows')
    .values({ id: BENCH_FLOW, name: 'Metrics benchmark', draft: JSON.stringify(graph(2)), active_version: 2 })
    .execute()
  for (const v of [1, 2])
    await db
      .insertInto('flow_versions')
      .values({ flow_id: BENCH_FLOW, version: v, graph: JSON.stringify(graph(v)), published_by: 'bench' })
      .execute()
  await sql`insert into customers (email, name) select 'bench' || g || '@example.com', 'Bench ' || g from generate_series(1, ${Math.ceil(runs / 3)}::int) g`.execute(
    db,
  )
  // orders i = 1..runs placed evenly over the last `days`; the first half ran on version 1
  await sql`insert into orders (channel, external_id, customer_id, currency, shipping_address, shipping_method, payment_method, subtotal, shipping_total, tax_total, total, placed_at, created_at)
    select 'bench', 'M-' || g, (select min(id) from customers) + g % ${Math.ceil(runs / 3)}::int, 'EUR', '{}', 'standard', 'card', 20, 4.9, 0, 24.9,
      now() - make_interval(secs => ${days * 86_400}::float8 * (1 - g::float8 / ${runs}::int)), now()
    from generate_series(1, ${runs}::int) g`.execute(db)
  await sql`insert into runs (order_id, flow_id, flow_version, status, started_at)
    select o.id, ${BENCH_FLOW}, case when row_number() over (order by o.id) <= ${runs / 2} then 1 else 2 end,
      case when o.placed_at > now() - interval '2 days' then 'waiting' else 'completed' end, o.placed_at
    from orders o where o.channel = 'bench'`.execute(db)
  const nodes = sql.raw(
    `(values ${NODES.map(([id, type, ports, waits], i) => `(${i}, '${id}', '${type}', array[${ports.map((p) => `'${p}'`).join(',') || "''"}]::text[], ${waits})`).join(', ')}) as n(pos, node_id, node_type, ports, waits)`,
  )
  // one step per node and run: times from a hash of (run, node) so figures are stable across seeds;
  // waiting nodes wait minutes to days, the most recent runs are still waiting at one of them
  await sql`insert into steps (run_id, node_id, node_type, visit, status, attempt, port, created_at, started_at, waiting_since, finished_at)
    select r.id, n.node_id, n.node_type, 1,
      case when x.recent and n.waits and n.pos = 4 + (r.id % 4) then 'waiting'
           when x.h < 0.01 then 'failed' else 'completed' end,
      case when x.h2 < 0.03 then 2 else 1 end,
      case when x.recent and n.waits and n.pos = 4 + (r.id % 4) then null
           when cardinality(n.ports) = 0 or n.ports[1] = '' then null
           else n.ports[1 + floor(x.h2 * 100)::int % cardinality(n.ports)] end,
      x.t, x.t,
      case when n.waits then x.t + make_interval(secs => 0.01 + x.h) end,
      case when x.recent and n.waits and n.pos = 4 + (r.id % 4) then null
           else x.t + make_interval(secs => case when n.waits then 60 + x.h * 86400 * 2 else 0.005 + x.h * 0.2 end) end
    from runs r
    cross join ${nodes}
    cross join lateral (select
      (abs(hashint4((r.id * 31 + n.pos)::int)) / 2147483647.0)::float8 as h,
      (abs(hashint4((r.id * 17 + n.pos * 7)::int)) / 2147483647.0)::float8 as h2,
      r.started_at + make_interval(secs => n.pos * 3600.0::float8) as t,
      r.started_at > now() - interval '2 days' as recent) x
    where r.flow_id = ${BENCH_FLOW}`.execute(db)
  await sql`analyze`.execute(db)
  const count = await sql<{ n: number }>`select count(*)::int as n from steps`.execute(db)
  return { runs, steps: count.rows[0]!.n }
}
