import { sql } from 'kysely'
import type { Executor, Tx } from '../db.ts'
import { refuseIfOrderBusyInBatch } from './batch-locks.ts'
import { jobPriority } from './jobs.ts'
import { enqueueWake } from './jobs.ts'

/**
 * Records an event for an order and wakes the oldest step waiting for that type. Joins the
 * caller's transaction when given one. The order row lock orders this against a step that is
 * about to start waiting: whichever commits second sees the other, so no wake-up is lost.
 */
export async function postEvent(
  db: Executor,
  orderId: number,
  type: string,
  data: Record<string, unknown> = {},
  source = 'api',
): Promise<{ id: number; matched: boolean }> {
  const run = async (tx: Executor) => {
    refuseIfOrderBusyInBatch(tx as Tx, orderId)
    const order = await tx.selectFrom('orders').select(['id', 'attributes']).where('id', '=', orderId).forUpdate().executeTakeFirst()
    if (!order) throw new Error(`order ${orderId} does not exist`)
    const event = await tx
      .insertInto('events')
      .values({ order_id: orderId, type, data: JSON.stringify(data), source })
      .returning('id')
      .executeTakeFirstOrThrow()
    const waiting = await tx
      .selectFrom('steps')
      .innerJoin('runs', 'runs.id', 'steps.run_id')
      .select('steps.id')
      .where('runs.order_id', '=', orderId)
      .where('steps.status', '=', 'waiting')
      .where(sql<boolean>`${type} = any(steps.wait_events)`)
      .orderBy('steps.waiting_since')
      .limit(1)
      .executeTakeFirst()
    if (waiting) await enqueueWake(tx, waiting.id, { priority: jobPriority(order.attributes) })
    return { id: event.id, matched: waiting !== undefined }
  }
  return db.isTransaction ? run(db) : db.transaction().execute(run)
}
