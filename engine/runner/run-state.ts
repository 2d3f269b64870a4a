import { sql } from 'kysely'
import type { Executor, Tx } from '../db.ts'

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

/**
 * After a job: the run failed (no error port caught a permanent error), completed (no open step
 * left), waiting (only waiting steps open) or running.
 */
export async function settleRun(tx: Tx, runId: number, orderId: number, failure: string | undefined) {
  if (failure) {
    await tx.updateTable('runs').set({ status: 'failed', error: failure, finished_at: new Date() }).where('id', '=', runId).execute()
    await tx.updateTable('orders').set({ status: 'failed', updated_at: new Date() }).where('id', '=', orderId).execute()
    return
  }
  const open = await tx
    .selectFrom('steps')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('run_id', '=', runId)
    .where('status', 'in', ['pending', 'running', 'waiting'])
    .groupBy('status')
    .execute()
  const count = (s: string) => open.find((o) => o.status === s)?.n ?? 0
  const status = open.length === 0 ? 'completed' : count('pending') + count('running') === 0 ? 'waiting' : 'running'
  await tx
    .updateTable('runs')
    .set({ status, finished_at: status === 'completed' ? new Date() : null, error: null })
    .where('id', '=', runId)
    .execute()
}
