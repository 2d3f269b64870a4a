import type { Executor } from '../db.ts'
import { postEvent } from '../runner/events.ts'

/**
 * Events the warehouse raises for orders, in the caller's transaction so the state change and
 * the wake-up of the waiting run commit together.
 */
export async function notifyPicked(
  tx: Executor,
  orderIds: readonly number[],
  pickListId: number,
): Promise<void> {
  for (const orderId of orderIds) await postEvent(tx, orderId, 'picked', { pickListId }, 'warehouse')
}

/** A `restocked` event for every order with an open backorder of the SKU. */
export async function notifyRestocked(
  tx: Executor,
  orderIds: readonly number[],
  sku: string,
  available: number,
): Promise<void> {
  for (const orderId of orderIds) await postEvent(tx, orderId, 'restocked', { sku, available }, 'warehouse')
}
