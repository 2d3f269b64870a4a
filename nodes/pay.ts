import { z } from 'zod'
import { faultPoint } from '../engine/faults.ts'
import { defineNode } from '../engine/node-contract.ts'

/**
 * Captures the order total through the payment adapter. The step key is the provider's
 * idempotency key: a retried step (after a crash or a timeout) gets the first answer back and
 * the customer is charged once. Cash on delivery is recorded as pending and captured by
 * await-delivery on the `delivered` event.
 */
export const pay = defineNode({
  type: 'pay',
  title: 'Take payment',
  description:
    'Captures the payment (card, wallet, ...) or records cash on delivery; a declined payment goes to "failed".',
  category: 'Payment',
  icon: 'credit-card',
  ports: ['paid', 'failed'],
  config: z.object({
    cashOnDeliveryMethods: z
      .array(z.string().min(1))
      .default(['cod', 'cash_on_delivery'])
      .describe('Payment methods paid at the door: captured when the order is delivered'),
  }),
  async run({ cashOnDeliveryMethods }, ctx) {
    const { order, tx } = ctx
    const amount = order.totals.total
    const row = {
      order_id: order.id,
      idempotency_key: ctx.step.key,
      method: order.paymentMethod,
      amount,
      currency: order.currency,
    }
    if (cashOnDeliveryMethods.includes(order.paymentMethod)) {
      await tx
        .insertInto('payments')
        .values({ ...row, provider: 'cash_on_delivery', status: 'pending' })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute()
      await ctx.setStatus('awaiting_cod')
      return { port: 'paid', output: { cashOnDelivery: true, amount } }
    }
    const result = await ctx.services.payment.capture({
      key: ctx.step.key,
      orderId: order.id,
      amount,
      currency: order.currency,
      method: order.paymentMethod,
      payment: order.payment,
    })
    faultPoint('during-payment-capture')
    const captured = result.status === 'captured'
    await tx
      .insertInto('payments')
      .values({
        ...row,
        provider: ctx.services.payment.name,
        status: result.status,
        provider_ref: result.ref,
        failure_reason: result.reason ?? null,
        captured_at: captured ? ctx.clock.now() : null,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute()
    await ctx.setStatus(captured ? 'paid' : 'payment_failed')
    return captured
      ? { port: 'paid', output: { paymentRef: result.ref, amount } }
      : { port: 'failed', output: { reason: result.reason ?? 'declined', paymentRef: result.ref } }
  },
})
