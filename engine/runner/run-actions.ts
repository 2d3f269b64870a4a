import { audit } from '../audit.ts'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { enqueueSteps, jobPriority } from './jobs.ts'
import { createStep } from './run-state.ts'

/** Resumes a failed run from its failed step (a new visit of that node) and any branch left pending. */
export async function retryRun(db: Db, orderId: number, actor = 'system') {
  return db.transaction().execute(async (tx) => {
    const order = await tx.selectFrom('orders').select(['id', 'attributes']).where('id', '=', orderId).forUpdate().executeTakeFirst()
    const run = order && (await tx.selectFrom('runs').selectAll().where('order_id', '=', orderId).executeTakeFirst())
    if (!order || !run) throw new ApiError(404, 'not_found', `Order ${orderId} has no run.`)
    if (run.status !== 'failed') {
      throw new ApiError(409, 'run_not_failed', `The run of order ${orderId} is ${run.status}; only a failed run can be retried.`)
    }
    const failed = await tx
      .selectFrom('steps')
      .select(['node_id', 'node_type'])
      .where('run_id', '=', run.id)
      .where('status', '=', 'failed')
      .where('port', 'is', null) // failures an error port did not catch
      .orderBy('id', 'desc')
      .executeTakeFirst()
    const ids: number[] = []
    if (failed) ids.push((await createStep(tx, run.id, failed.node_id, failed.node_type)).id)
    const pending = await tx.selectFrom('steps').select('id').where('run_id', '=', run.id).where('status', '=', 'pending').execute()
    ids.push(...pending.map((p) => p.id).filter((id) => !ids.includes(id)))
    await enqueueSteps(tx, ids, jobPriority(order.attributes))
    await tx.updateTable('orders').set({ status: 'processing', updated_at: new Date() }).where('id', '=', orderId).execute()
    await audit(tx, actor, 'order.retried', `order:${orderId}`, { fromNode: failed?.node_id })
    return tx
      .updateTable('runs')
      .set({ status: 'running', error: null, finished_at: null })
      .where('id', '=', run.id)
      .returningAll()
      .executeTakeFirstOrThrow()
  })
}

/** Cancels a run that has not finished: open steps are cancelled, their jobs find nothing to do. */
export async function cancelRun(db: Db, orderId: number, reason = 'cancelled by an operator', actor = 'system') {
  return db.transaction().execute(async (tx) => {
    const order = await tx.selectFrom('orders').select('id').where('id', '=', orderId).forUpdate().executeTakeFirst()
    const run = order && (await tx.selectFrom('runs').selectAll().where('order_id', '=', orderId).executeTakeFirst())
    if (!order || !run) throw new ApiError(404, 'not_found', `Order ${orderId} has no run.`)
    if (run.status === 'completed' || run.status === 'cancelled') {
      throw new ApiError(409, 'run_finished', `The run of order ${orderId} is already ${run.status}; it cannot be cancelled.`)
    }
    await tx
      .updateTable('steps')
      .set({ status: 'cancelled', finished_at: new Date() })
      .where('run_id', '=', run.id)
      .where('status', 'in', ['pending', 'running', 'waiting'])
      .execute()
    await tx.updateTable('orders').set({ status: 'cancelled', updated_at: new Date() }).where('id', '=', orderId).execute()
    await audit(tx, actor, 'order.cancelled', `order:${orderId}`, { reason })
    return tx
      .updateTable('runs')
      .set({ status: 'cancelled', error: reason, finished_at: new Date() })
      .where('id', '=', run.id)
      .returningAll()
      .executeTakeFirstOrThrow()
  })
}
