import type { PaymentAdapter } from '../adapters/types.ts'
import type { Tx } from '../db.ts'
import { StepFailed } from '../errors.ts'
import { fromCents, toCents } from './money.ts'

export interface RefundOutcome {
  status: 'refunded' | 'failed' | 'nothing_to_refund'
  amount: string
  refundId?: number
  reason?: string
}

/**
 * Refunds an order's captured payment through the provider: the whole remainder, or `amount`
 * capped at what is left after earlier refunds. `key` is the provider idempotency key (a step
 * key plus a suffix), so a retried step refunds once. A pending cash-on-delivery payment that
 * was never collected is cancelled instead: there is nothing to give back.
 */
export async function refundOrder(
  tx: Tx,
  payment: PaymentAdapter,
  req: { orderId: number; key: string; amount?: string; returnId?: number; reason: string },
): Promise<RefundOutcome> {
  const captured = await tx
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', req.orderId)
    .where('status', '=', 'captured')
    .orderBy('id')
    .executeTakeFirst()
  if (!captured) {
    await tx
      .updateTable('payments')
      .set({ status: 'failed', failure_reason: `cancelled: ${req.reason}` })
      .where('order_id', '=', req.orderId)
      .where('status', '=', 'pending')
      .execute()
    return { status: 'nothing_to_refund', amount: '0.00' }
  }
  const done = await tx
    .selectFrom('refunds')
    .select(['amount'])
    .where('payment_id', '=', captured.id)
    .where('status', '=', 'refunded')
    .execute()
  const left = toCents(captured.amount) - done.reduce((s, r) => s + toCents(r.amount), 0n)
  const wanted = req.amount === undefined ? left : toCents(req.amount)
  // biome-ignore lint/complexity/useMathMinMax: Math.min does not take bigint
  const cents = wanted < left ? wanted : left
  if (cents <= 0n) return { status: 'nothing_to_refund', amount: '0.00' }
  const amount = fromCents(cents)
  if (!captured.provider_ref)
    throw new StepFailed(
      `Payment ${captured.id} has no provider reference, so it cannot be refunded automatically; refund it in the provider's dashboard.`,
    )
  const result = await payment.refund({
    key: req.key,
    paymentRef: captured.provider_ref,
    amount,
    currency: captured.currency,
  })
  const row = await tx
    .insertInto('refunds')
    .values({
      order_id: req.orderId,
      payment_id: captured.id,
      return_id: req.returnId ?? null,
      idempotency_key: req.key,
      amount,
      currency: captured.currency,
      status: result.status,
      provider_ref: result.ref,
      reason: req.reason,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  return {
    status: result.status,
    amount,
    refundId: row?.id,
    ...(result.reason ? { reason: result.reason } : {}),
  }
}
