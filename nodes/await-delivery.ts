import { z } from 'zod'
import { defineNode, type NodeContext } from '../engine/node-contract.ts'

const DAY = 86_400_000

/**
 * Waits for `delivered` (posted by the carrier webhook, matched by tracking number, or through
 * the API) or the deadline. On delivery it records the date on the shipments and the order
 * (follow-up and return count from it) and collects a cash-on-delivery payment.
 */
export const awaitDelivery = defineNode({
  type: 'await-delivery',
  title: 'Await delivery',
  description: 'Waits until the carrier reports the parcel delivered, or goes to "late" after a deadline.',
  category: 'Shipping',
  icon: 'map-pin-check',
  ports: ['delivered', 'late'],
  waits: true,
  config: z.object({
    deadlineDays: z
      .number()
      .min(0)
      .max(90)
      .default(10)
      .describe('Days after shipping before the order counts as late'),
    email: z.boolean().default(false).describe('Send the "delivered" email'),
  }),
  async run({ deadlineDays, email }, ctx) {
    if (ctx.wake?.timedOut) {
      await ctx.setStatus('delivery_late')
      return { port: 'late', output: { deadlineDays } }
    }
    const event = ctx.wake?.event
    if (!event)
      return {
        wait: { events: ['delivered'], until: new Date(ctx.clock.now().getTime() + deadlineDays * DAY) },
      }
    const at = typeof event.data.deliveredAt === 'string' ? new Date(event.data.deliveredAt) : event.createdAt
    const deliveredAt = Number.isNaN(at.getTime()) ? event.createdAt : at
    await ctx.tx
      .updateTable('shipments')
      .set({ status: 'delivered', delivered_at: deliveredAt })
      .where('order_id', '=', ctx.order.id)
      .where('status', 'in', ['booked', 'in_transit'])
      .execute()
    const cod = await collectCashOnDelivery(ctx, deliveredAt)
    await ctx.setAttributes({ deliveredAt: deliveredAt.toISOString() })
    await ctx.setStatus('delivered')
    if (email) await ctx.sendEmail('delivered', { data: { deliveredAt: deliveredAt.toISOString() } })
    return {
      port: 'delivered',
      output: { deliveredAt: deliveredAt.toISOString(), ...(cod ? { cashCollected: cod } : {}) },
    }
  },
})

/** The driver took the cash: the pending payment is captured (through the provider's books). */
async function collectCashOnDelivery(ctx: NodeContext, at: Date): Promise<string | undefined> {
  const pending = await ctx.tx
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', ctx.order.id)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  if (!pending) return undefined
  const result = await ctx.services.payment.capture({
    key: `${ctx.step.key}:cod`,
    orderId: ctx.order.id,
    amount: pending.amount,
    currency: pending.currency,
    method: pending.method,
    payment: { cashOnDelivery: true },
  })
  await ctx.tx
    .updateTable('payments')
    .set({
      status: result.status === 'captured' ? 'captured' : 'failed',
      provider_ref: result.ref,
      captured_at: at,
      failure_reason: result.reason ?? null,
    })
    .where('id', '=', pending.id)
    .execute()
  return pending.amount
}
