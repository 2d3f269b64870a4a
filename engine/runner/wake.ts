import type { Tx } from '../db.ts'
import type { Clock, NodeContext } from '../node-contract.ts'
import { toWakeEvent } from './node-context.ts'

/**
 * Why a waiting step may go on now: the oldest unconsumed event of a type it waits for (consumed
 * here, in the caller's transaction), else its deadline if passed. Events posted before the run
 * reached the wait are found the same way.
 */
export async function findWake(
  tx: Tx,
  orderId: number,
  events: string[],
  until: Date | null,
  stepId: number,
  clock: Clock,
): Promise<NodeContext['wake'] | undefined> {
  if (events.length > 0) {
    const event = await tx
      .selectFrom('events')
      .select(['id', 'type', 'data', 'created_at'])
      .where('order_id', '=', orderId)
      .where('consumed_by_step', 'is', null)
      .where('type', 'in', events)
      .orderBy('id')
      .limit(1)
      .forUpdate()
      .executeTakeFirst()
    if (event) {
      await tx.updateTable('events').set({ consumed_by_step: stepId }).where('id', '=', event.id).execute()
      return { event: toWakeEvent(event) }
    }
  }
  if (until && until.getTime() <= clock.now().getTime()) return { timedOut: true }
  return undefined
}
