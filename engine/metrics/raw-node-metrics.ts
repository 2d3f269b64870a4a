import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import type { MetricsScope, NodeFigures, PortCount } from './node-metrics.ts'
import { processingMs, waitingMs } from './step-durations.ts'
import { inWindow, num } from './window.ts'

/**
 * Per-node figures and port counts read from the step rows alone. This is the definition the
 * rollup-backed reader (node-metrics.ts) must match exactly; it answers windows the rollup does
 * not cover and serves as the reference in tests and the benchmark.
 */
export async function rawNodeFigures(db: Executor, scope: MetricsScope): Promise<NodeFigures[]> {
  const rows = await withSortMemory(db, (tx) =>
    sql<Record<string, unknown>>`
    with t as (
      select s.node_id, s.node_type, s.status, s.attempt,
        ${processingMs('s')} as processing_ms, ${waitingMs('s')} as waiting_ms
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
export async function rawPortCounts(db: Executor, scope: MetricsScope): Promise<PortCount[]> {
  const rows = await sql<{ version: number; node_id: string; port: string; n: number }>`
    select r.flow_version as version, s.node_id, s.port, count(*)::int as n
    from ${scopedSteps(scope)} and s.port is not null
    group by 1, 2, 3 order by 1, 2, 3`.execute(db)
  return rows.rows.map((r) => ({ version: r.version, nodeId: r.node_id, port: r.port, count: r.n }))
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
