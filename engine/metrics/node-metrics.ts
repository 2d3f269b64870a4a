import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { inWindow, num, type TimeWindow } from './window.ts'

/**
 * Per-node figures over the step rows of one flow (one version, or all when `version` is
 * undefined), for the steps created in the window (created = the moment the order reached the node).
 *
 * Definitions (all times in milliseconds):
 * - entered: step rows (visits); completed / failed / cancelled: by status; retried: attempt > 1.
 * - processing time: the node's own working time, `started_at` until it began waiting
 *   (`waiting_since`) or finished. Equals `finished_at - started_at - waiting time`; for a retried
 *   step it includes the retry backoff. Finished steps only.
 * - waiting time: `finished_at - waiting_since`, for finished steps that waited (event or deadline).
 * - waitingNow: steps waiting there now, whatever the window.
 *
 * Measured at 1,000,000 steps (bench/seed-steps.ts, 2 cores): see docs/api.md and the report.
 */
export interface NodeFigures {
  nodeId: string
  nodeType: string
  entered: number
  completed: number
  failed: number
  cancelled: number
  retried: number
  processingMs: { p50: number | null; p95: number | null; mean: number | null }
  waitingMs: { p50: number | null; p95: number | null; mean: number | null }
}

export interface PortCount {
  version: number
  nodeId: string
  port: string
  count: number
}

export interface MetricsScope extends TimeWindow {
  flowId: string
  version?: number
}

function scopedSteps(scope: MetricsScope) {
  return sql`steps s join runs r on r.id = s.run_id
    where r.flow_id = ${scope.flowId}
      ${scope.version === undefined ? sql`` : sql`and r.flow_version = ${scope.version}::int`}
      and ${inWindow('s.created_at', scope)}`
}

/**
 * Percentiles sort every node's steps: with the default 4 MB of work_mem a million steps spill
 * to disk; 64 MB, for this query's transaction only, keeps the sorts in memory (~1/3 faster).
 */
async function withSortMemory<T>(db: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  const run = async (tx: Executor) => {
    await sql`set local work_mem = '64MB'`.execute(tx)
    return fn(tx)
  }
  return db.isTransaction ? run(db) : db.transaction().execute(run)
}

export async function nodeFigures(db: Executor, scope: MetricsScope): Promise<NodeFigures[]> {
  const rows = await withSortMemory(db, (tx) =>
    sql<Record<string, unknown>>`
    with t as (
      select s.node_id, s.node_type, s.status, s.attempt,
        case when s.finished_at is not null
          then date_part('epoch', coalesce(s.waiting_since, s.finished_at) - s.started_at) * 1000 end as processing_ms,
        case when s.finished_at is not null and s.waiting_since is not null
          then date_part('epoch', s.finished_at - s.waiting_since) * 1000 end as waiting_ms
      from ${scopedSteps(scope)}
    )
    select node_id, max(node_type) as node_type,
      count(*)::int as entered,
      count(*) filter (where status = 'completed')::int as completed,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'cancelled')::int as cancelled,
      count(*) filter (where attempt > 1)::int as retried,
      percentile_cont(array[0.5, 0.95]) within group (order by processing_ms) as processing,
      avg(processing_ms) as processing_mean,
      percentile_cont(array[0.5, 0.95]) within group (order by waiting_ms) as waiting,
      avg(waiting_ms) as waiting_mean
    from t group by node_id order by node_id`.execute(tx),
  )
  return rows.rows.map((r) => {
    const p = (r.processing as number[] | null) ?? [null, null]
    const w = (r.waiting as number[] | null) ?? [null, null]
    return {
      nodeId: String(r.node_id),
      nodeType: String(r.node_type),
      entered: Number(r.entered),
      completed: Number(r.completed),
      failed: Number(r.failed),
      cancelled: Number(r.cancelled),
      retried: Number(r.retried),
      processingMs: { p50: num(p[0]), p95: num(p[1]), mean: num(r.processing_mean) },
      waitingMs: { p50: num(w[0]), p95: num(w[1]), mean: num(r.waiting_mean) },
    }
  })
}

/** How many steps left each node by each port, per version (edges differ between versions). */
export async function portCounts(db: Executor, scope: MetricsScope): Promise<PortCount[]> {
  const rows = await sql<{ version: number; node_id: string; port: string; n: number }>`
    select r.flow_version as version, s.node_id, s.port, count(*)::int as n
    from ${scopedSteps(scope)} and s.port is not null
    group by 1, 2, 3 order by 1, 2, 3`.execute(db)
  return rows.rows.map((r) => ({ version: r.version, nodeId: r.node_id, port: r.port, count: r.n }))
}

/** Steps waiting now per node (no window: it is the present). */
export async function waitingNow(
  db: Executor,
  scope: Omit<MetricsScope, 'from' | 'to'>,
): Promise<Map<string, number>> {
  const rows = await sql<{ node_id: string; n: number }>`
    select s.node_id, count(*)::int as n
    from steps s join runs r on r.id = s.run_id
    where s.status = 'waiting' and r.flow_id = ${scope.flowId}
      ${scope.version === undefined ? sql`` : sql`and r.flow_version = ${scope.version}::int`}
    group by 1`.execute(db)
  return new Map(rows.rows.map((r) => [r.node_id, r.n]))
}
