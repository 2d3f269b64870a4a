import { type RawBuilder, sql } from 'kysely'
import type { Executor } from '../db.ts'
import type { MetricsScope } from './node-metrics.ts'
import { processingMs, waitingMs } from './step-durations.ts'
import { inWindow, type TimeWindow } from './window.ts'

const DAY = 86_400_000

/**
 * The part of a window read from the rollup: `[from, to)`, no `from` = since the first step. The
 * rollup's rows are per UTC day (and month), and the day of `rolledTo` holds the steps created up
 * to then: so this is the window's whole days, and the days up to `rolledTo` when the window
 * goes on past it.
 */
export interface RolledRange {
  from?: Date
  to: Date
  rolledTo: Date
}

/** Which part of the scope's window to read from the rollup; undefined when none. */
export async function rolledRange(db: Executor, scope: MetricsScope): Promise<RolledRange | undefined> {
  const state = await sql<{ rolled_to: Date }>`select rolled_to from step_rollup_state`.execute(db)
  const rolledTo = state.rows[0]?.rolled_to
  if (!rolledTo) return undefined
  const from = scope.from && new Date(Math.ceil(scope.from.getTime() / DAY) * DAY)
  const to =
    !scope.to || scope.to >= rolledTo ? rolledTo : new Date(Math.floor(scope.to.getTime() / DAY) * DAY)
  if (!scope.from || !from) return { from, to, rolledTo }
  // The rollup pays off only when it holds most of the window: when it holds the smaller part
  // (the last 24 hours, early in a UTC day), reading the window's steps alone is quicker.
  const end = scope.to ?? new Date(Math.max(Date.now(), rolledTo.getTime()))
  const rolled = to.getTime() - from.getTime()
  return rolled <= end.getTime() - scope.from.getTime() - rolled ? undefined : { from, to, rolledTo }
}

/** Rows of a step_rollup_* table (alias `t`) of the scope, with `t.${column}` in `window`. */
export function rollupRows(
  t: string,
  scope: MetricsScope,
  column: string,
  window: TimeWindow,
): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${t}.flow_id`)} = ${scope.flowId}
    ${scope.version === undefined ? sql`` : sql`and ${sql.ref(`${t}.flow_version`)} = ${scope.version}::int`}
    and ${inWindow(`${t}.${column}`, window)}`
}

/**
 * The range split for per-month rows: the months inside it whole (by month start), and the days
 * of the rest. A month row, like a day row, holds its steps up to `rolledTo`.
 */
export function splitMonths(r: RolledRange): { months?: TimeWindow; days: TimeWindow[] } {
  const first = r.from && ceilMonth(r.from)
  const last = r.to.getTime() === r.rolledTo.getTime() ? r.to : floorMonth(r.to)
  if (first && first >= last) return { days: [{ from: r.from, to: r.to }] }
  return {
    months: { from: first, to: last },
    days: [
      ...(r.from && first && r.from < first ? [{ from: r.from, to: first }] : []),
      ...(last < r.to ? [{ from: last, to: r.to }] : []),
    ],
  }
}

const floorMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))
const ceilMonth = (d: Date) => {
  const f = floorMonth(d)
  return f.getTime() === d.getTime() ? f : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))
}

/**
 * The scope's steps the rollup does not hold, as (flow_version, node_id, node_type, status,
 * attempt, port, processing_ms, waiting_ms): the window's steps outside the range (its first
 * partial day, those after `rolledTo`), and those of the range that were still open when they
 * were rolled up, as they are now.
 */
export function unrolledSteps(scope: MetricsScope, r: RolledRange): RawBuilder<unknown> {
  const columns = sql`r.flow_version, s.node_id, s.node_type, s.status, s.attempt, s.port,
    ${processingMs('s')} as processing_ms, ${waitingMs('s')} as waiting_ms`
  const version = scope.version === undefined ? sql`` : sql`and flow_version = ${scope.version}::int`
  // One probe per step (memoized by run), kept by `offset 0`: for the day or so of steps left
  // here, hashing all of the flow's runs instead costs more than the probes.
  const run = sql`cross join lateral (select flow_version from runs where id = s.run_id and flow_id = ${scope.flowId} ${version} offset 0) r`
  const outside: TimeWindow[] = [
    ...(r.from && scope.from && scope.from < r.from ? [{ from: scope.from, to: r.from }] : []),
    ...(!scope.to || r.to < scope.to ? [{ from: r.to, to: scope.to }] : []),
  ]
  const windows =
    outside.length === 0
      ? sql`false`
      : sql.join(
          outside.map((w) => inWindow('s.created_at', w)),
          sql` or `,
        )
  return sql`
    select ${columns} from steps s ${run} where ${windows}
    union all
    select ${columns} from step_rollup_open o join steps s on s.id = o.step_id ${run}
    where o.flow_id = ${scope.flowId} and ${inWindow('o.created_at', r)}`
}
