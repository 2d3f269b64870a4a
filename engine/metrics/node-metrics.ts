import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { rawNodeFigures, rawPortCounts } from './raw-node-metrics.ts'
import { rolledMetrics } from './rolled-metrics.ts'
import { rolledRange } from './step-source.ts'
import type { TimeWindow } from './window.ts'

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
 * Whole UTC days come from the daily rollup (migrations/0030, filled by the rollup_metrics job),
 * the rest from the steps; percentiles are percentile_cont's, exactly. Timings at 1,000,000
 * steps: README.md, "Performance".
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

/**
 * Figures, port counts and steps waiting now, from one snapshot: the rollup and the steps read
 * around it must agree on which steps the rollup holds.
 */
export async function nodeMetrics(db: Executor, scope: MetricsScope) {
  const read = async (tx: Executor) => {
    // Steps waiting now are few and best joined to their runs by index: with the default
    // random_page_cost (4, for spinning disks) the planner hashes all the flow's runs instead
    // (2 → 22 ms at 100,000 runs).
    await sql`set local random_page_cost = 1.1`.execute(tx)
    const range = await rolledRange(tx, scope)
    const { figures, ports } = range
      ? await rolledMetrics(tx, scope, range)
      : { figures: await rawNodeFigures(tx, scope), ports: await rawPortCounts(tx, scope) }
    return { figures, ports, waiting: await waitingNow(tx, scope) }
  }
  return db.isTransaction ? read(db) : db.transaction().setIsolationLevel('repeatable read').execute(read)
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
