import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import type { MetricsScope, NodeFigures, PortCount } from './node-metrics.ts'
import { contRanks, interpolate, locate, PERCENTILES } from './percentiles.ts'
import type { DurationKind } from './step-durations.ts'
import { type RolledRange, rollupRows, splitMonths, unrolledSteps } from './step-source.ts'
import { num } from './window.ts'

type Totals = Omit<NodeFigures, 'processingMs' | 'waitingMs'> &
  Record<`${DurationKind}${'N' | 'Sum'}`, number>
/** durations read from steps, by node, kind, bin and sub-bin */
type RawDurations = [string, DurationKind, number, number, number[]]

/**
 * Per-node figures and port counts from the rollup for `range`, plus the steps around it, in one
 * statement (so the steps are read once); percentiles then take two small reads of the rollup.
 */
export async function rolledMetrics(db: Executor, scope: MetricsScope, range: RolledRange) {
  const { months, days } = splitMonths(range)
  const { rows } = await sql<{ totals: Totals[]; ports: PortCount[]; bins: Bin[]; raw: RawDurations[] }>`
    with raw as materialized (${unrolledSteps(scope, range)}),
    durations as materialized (
      select node_id, kind, duration_bin(ms) as bin, duration_sub(ms) as sub, ms from (
        select node_id, 'processing' as kind, processing_ms as ms from raw where processing_ms is not null
        union all
        select node_id, 'waiting', waiting_ms from raw where waiting_ms is not null
      ) x
    ),
    totals as (
      select node_id as "nodeId", max(node_type) as "nodeType", sum(entered)::int as entered,
        sum(completed)::int as completed, sum(failed)::int as failed, sum(cancelled)::int as cancelled,
        sum(retried)::int as retried, sum(processing_n)::int as "processingN", sum(processing_sum) as "processingSum",
        sum(waiting_n)::int as "waitingN", sum(waiting_sum) as "waitingSum"
      from (
        select node_id, node_type, entered, completed, failed, cancelled, retried, processing_n, processing_sum,
          waiting_n, waiting_sum
        from step_rollup_nodes t where ${rollupRows('t', scope, 'day', range)}
        union all
        select node_id, node_type, 1, (status = 'completed')::int, (status = 'failed')::int, (status = 'cancelled')::int,
          (attempt > 1)::int, (processing_ms is not null)::int, processing_ms, (waiting_ms is not null)::int, waiting_ms
        from raw
      ) x group by node_id
    ),
    ports as (
      select flow_version as version, node_id as "nodeId", port, sum(n)::int as count from (
        select flow_version, node_id, port, n from step_rollup_ports t where ${rollupRows('t', scope, 'day', range)}
        union all
        select flow_version, node_id, port, 1 from raw where port is not null
      ) x group by 1, 2, 3
    ),
    bins as (
      select node_id as "nodeId", kind, bin, sum(n)::int as n from (
        ${months ? sql`select node_id, kind, bin, n from step_rollup_duration_months t where ${rollupRows('t', scope, 'month', months)} union all` : sql``}
        ${sql.join(
          days.map(
            (d) =>
              sql`select node_id, kind, bin, n from step_rollup_durations t where ${rollupRows('t', scope, 'day', d)} union all`,
          ),
          sql` `,
        )}
        select node_id, kind, bin, 1 from durations
      ) x group by 1, 2, 3
    )
    select (select coalesce(json_agg(t order by "nodeId"), '[]') from totals t) as totals,
      (select coalesce(json_agg(p order by version, "nodeId", port), '[]') from ports p) as ports,
      (select coalesce(json_agg(b order by "nodeId", kind, bin), '[]') from bins b) as bins,
      (select coalesce(json_agg(json_build_array(node_id, kind, bin, sub, ms)), '[]') from (
        select node_id, kind, bin, sub, array_agg(ms) as ms from durations group by 1, 2, 3, 4) d) as raw`.execute(
    db,
  )
  const { totals, ports, bins, raw } = rows[0]!
  const pct = await percentiles(db, scope, range, bins, raw)
  const figures = totals.map(({ processingN, processingSum, waitingN, waitingSum, ...t }) => ({
    ...t,
    processingMs: {
      ...pct(t.nodeId, 'processing'),
      mean: processingN > 0 ? processingSum / processingN : null,
    },
    waitingMs: { ...pct(t.nodeId, 'waiting'), mean: waitingN > 0 ? waitingSum / waitingN : null },
  }))
  return { figures, ports }
}

type Bin = { nodeId: string; kind: DurationKind; bin: number; n: number }
/** One rank percentile_cont reads, narrowed down to a bin, then a sub-bin, then a value. */
type Rank = { nodeId: string; kind: DurationKind; bin: number; offset: number; sub?: number; value?: number }

/**
 * p50 and p95 per node and kind, exactly as percentile_cont over all the values: each rank is
 * located in the bins, then in its bin's 16 sub-bins, then only that sub-bin's values are sorted.
 */
async function percentiles(
  db: Executor,
  scope: MetricsScope,
  range: RolledRange,
  bins: Bin[],
  raw: RawDurations[],
) {
  // the ranks each percentile reads, located in the bins, ...
  const plans = new Map<string, { lo: Rank; hi: Rank; frac: number; same: boolean }[]>()
  for (const [k, h] of groupBy(bins, (b) => key(b.nodeId, b.kind))) {
    const n = h.reduce((a, b) => a + b.n, 0)
    const rank = (r: number): Rank => ({ nodeId: h[0]!.nodeId, kind: h[0]!.kind, ...locate(h, r) })
    plans.set(
      k,
      PERCENTILES.map((p) => {
        const r = contRanks(p, n)
        return { lo: rank(r.lo), hi: rank(r.hi), frac: r.frac, same: r.lo === r.hi }
      }),
    )
  }
  // ... then in the sub-bins of their bin, ...
  const ranks = [...plans.values()].flat().flatMap((p) => [p.lo, p.hi])
  const subs = await subCounts(
    db,
    scope,
    range,
    distinct(ranks, (r) => [r.nodeId, r.kind, r.bin]),
    raw,
  )
  for (const r of ranks) {
    const { bin: sub, offset } = locate(subs.get(key(r.nodeId, r.kind, r.bin))!, r.offset)
    Object.assign(r, { sub, offset })
  }
  // ... then read off the sorted values of their sub-bin
  const values = await subValues(
    db,
    scope,
    range,
    distinct(ranks, (r) => [r.nodeId, r.kind, r.bin, r.sub!]),
    raw,
  )
  for (const r of ranks) {
    r.value = values.get(key(r.nodeId, r.kind, r.bin, r.sub!))![r.offset]
    if (r.value === undefined) {
      throw new Error(
        `The metrics rollup disagrees with itself for node "${r.nodeId}" (${r.kind} time); ` +
          'rebuild it: truncate the step_rollup_* tables and the next rollup_metrics job refills them.',
      )
    }
  }
  return (nodeId: string, kind: DurationKind) => {
    const [p50, p95] =
      plans.get(key(nodeId, kind))?.map((q) => interpolate(q.lo.value!, q.hi.value!, q.frac, q.same)) ?? []
    return { p50: num(p50), p95: num(p95) }
  }
}

/** Per bin asked for: how many of its values fall in each of the 16 sub-bins. */
async function subCounts(
  db: Executor,
  scope: MetricsScope,
  range: RolledRange,
  want: Rank[],
  raw: RawDurations[],
) {
  // summed here rather than in SQL: unnesting a few thousand 16-element arrays to group them costs more
  const { rows } = await sql<{ node_id: string; kind: string; bin: number; subs: number[] }>`
    select w.node_id, w.kind, w.bin, t.subs
    from unnest(${want.map((w) => w.nodeId)}::text[], ${want.map((w) => w.kind)}::text[], ${want.map((w) => w.bin)}::int[]) w(node_id, kind, bin)
    join step_rollup_durations t on t.node_id = w.node_id and t.kind = w.kind and t.bin = w.bin and ${rollupRows('t', scope, 'day', range)}`.execute(
    db,
  )
  const counts = new Map(want.map((w) => [key(w.nodeId, w.kind, w.bin), new Array<number>(16).fill(0)]))
  for (const r of rows) {
    const c = counts.get(key(r.node_id, r.kind, r.bin))!
    r.subs.forEach((n, i) => {
      c[i]! += n
    })
  }
  for (const [nodeId, kind, bin, sub, ms] of raw) {
    const c = counts.get(key(nodeId, kind, bin))
    if (c) c[sub]! += ms.length
  }
  return new Map([...counts].map(([k, c]) => [k, c.map((n, bin) => ({ bin, n }))]))
}

/** Per sub-bin asked for: its values, sorted (a slice of each day's sorted values). */
async function subValues(
  db: Executor,
  scope: MetricsScope,
  range: RolledRange,
  want: Rank[],
  raw: RawDurations[],
) {
  const { rows } = await sql<{ node_id: string; kind: string; bin: number; sub: number; ms: number }>`
    select w.node_id, w.kind, w.bin, w.sub, m as ms
    from unnest(${want.map((w) => w.nodeId)}::text[], ${want.map((w) => w.kind)}::text[], ${want.map((w) => w.bin)}::int[],
      ${want.map((w) => w.sub!)}::int[]) w(node_id, kind, bin, sub)
    join step_rollup_durations t on t.node_id = w.node_id and t.kind = w.kind and t.bin = w.bin and ${rollupRows('t', scope, 'day', range)}
    cross join lateral (select coalesce(sum(c), 0)::int as before from unnest(t.subs[1:w.sub]) c) p
    cross join unnest(t.ms[p.before + 1 : p.before + t.subs[w.sub + 1]]) m`.execute(db)
  const values = new Map(want.map((w) => [key(w.nodeId, w.kind, w.bin, w.sub!), [] as number[]]))
  for (const r of rows) values.get(key(r.node_id, r.kind, r.bin, r.sub))!.push(r.ms)
  for (const [nodeId, kind, bin, sub, ms] of raw) values.get(key(nodeId, kind, bin, sub))?.push(...ms)
  for (const v of values.values()) v.sort((a, b) => a - b)
  return values
}

const key = (...parts: (string | number)[]) => parts.join('\u0000')

function groupBy<T>(items: T[], by: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const t of items) {
    const group = out.get(by(t))
    if (group) group.push(t)
    else out.set(by(t), [t])
  }
  return out
}

function distinct(ranks: Rank[], by: (r: Rank) => (string | number)[]): Rank[] {
  return [...new Map(ranks.map((r) => [key(...by(r)), r])).values()]
}
