import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Executor, Tx } from '../db.ts'
import type { StepsTable } from '../db-types.ts'

/** A pending step for the next visit of `nodeId` in the run. */
export async function createStep(db: Executor, runId: number, nodeId: string, nodeType: string) {
  return db
    .insertInto('steps')
    .values({
      run_id: runId,
      node_id: nodeId,
      node_type: nodeType,
      status: 'pending',
      visit: sql<number>`(select coalesce(max(visit), 0) + 1 from steps where run_id = ${runId} and node_id = ${nodeId})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export interface FinishedStep {
  stepId: number
  runId: number
  status: 'completed' | 'failed'
  attempt: number
  port: string | null
  output: Record<string, unknown>
  error: string | null
  startedAt: Date
  finishedAt: Date
  /** distinct target nodes of the port taken: one pending step each */
  next: { nodeId: string; nodeType: string }[]
}

/** Records a finished step and creates the steps that follow it, in one statement. */
export async function finishStep(tx: Tx, s: FinishedStep): Promise<Selectable<StepsTable>[]> {
  const { rows } = await sql<Selectable<StepsTable>>`
    with done as (
      update steps set status = ${s.status}, attempt = ${s.attempt}, port = ${s.port},
        output = ${JSON.stringify(s.output)}::jsonb, error = ${s.error}, started_at = ${s.startedAt},
        finished_at = ${s.finishedAt}, wait_events = null, wait_until = null
      where id = ${s.stepId}
    )
    insert into steps (run_id, node_id, node_type, status, visit)
    select ${s.runId}, t.node_id, t.node_type, 'pending',
      (select coalesce(max(visit), 0) + 1 from steps where run_id = ${s.runId} and node_id = t.node_id)
    from unnest(${s.next.map((n) => n.nodeId)}::text[], ${s.next.map((n) => n.nodeType)}::text[]) as t(node_id, node_type)
    returning *`.execute(tx)
  return rows
}

/**
 * After a job: the run failed (no error port caught a permanent error), completed (no open step
 * left), waiting (only waiting steps open) or running. One statement either way.
 */
export async function settleRun(tx: Tx, runId: number, orderId: number, failure: string | undefined) {
  if (failure) {
    await sql`with r as (update runs set status = 'failed', error = ${failure}, finished_at = now() where id = ${runId})
      update orders set status = 'failed', updated_at = now() where id = ${orderId}`.execute(tx)
    return
  }
  await sql`
    update runs set status = x.status, error = null,
      finished_at = case when x.status = 'completed' then now() end
    from (
      select case
        when count(*) filter (where status in ('pending', 'running')) > 0 then 'running'
        when count(*) > 0 then 'waiting'
        else 'completed' end as status
      from steps where run_id = ${runId} and status in ('pending', 'running', 'waiting')
    ) x
    where runs.id = ${runId}`.execute(tx)
}
