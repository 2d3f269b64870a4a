import type { Db } from '../db.ts'
import { queueEmail } from '../email/outbox.ts'
import { loadOrder } from '../orders/load-order.ts'

/**
 * A return requested after the order's run has finished (its return window closed, or it was
 * cancelled) has no return node left to answer it: record it as rejected and tell the customer,
 * instead of leaving the request unanswered. Idempotent per event.
 */
export async function rejectLateReturn(db: Db, orderId: number, eventId: number, data: Record<string, unknown>) {
  return db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, orderId, { forUpdate: true })
    if (!order) return undefined
    const lines = Array.isArray(data.lines) ? data.lines : order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }))
    const reason = 'the return window for this order has closed'
    const row = await tx
      .insertInto('returns')
      .values({
        order_id: orderId,
        lines: JSON.stringify(lines),
        reason: typeof data.reason === 'string' ? data.reason : 'unspecified',
        comment: typeof data.comment === 'string' ? data.comment : '',
        status: 'rejected',
        rejection_reason: reason,
        decided_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await queueEmail(tx, { key: `event:${eventId}:return-rejected`, template: 'return-rejected', order, extra: { returnId: row.id, reason } })
    return { returnId: row.id, reason }
  })
}
