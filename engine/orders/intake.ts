import { sql } from 'kysely'
import type { Db } from '../db.ts'
import { startRun } from '../runner/start-run.ts'
import type { OrderInput } from './order-model.ts'

/**
 * Takes an order in: customer, order, lines and the start of its run commit in one transaction.
 * The same (channel, externalId) again returns the order already there, never a second one, even
 * when both arrive at the same moment (the unique index decides; the loser reads the winner's row).
 */
export async function receiveOrder(db: Db, input: OrderInput): Promise<{ id: number; created: boolean }> {
  return db.transaction().execute(async (tx) => {
    const existing = await findOrder(tx, input.channel, input.externalId)
    if (existing) return { id: existing, created: false }
    const customer = await tx
      .insertInto('customers')
      .values({ email: input.customer.email.toLowerCase(), name: input.customer.name })
      .onConflict((oc) =>
        oc.column('email').doUpdateSet({ name: sql`coalesce(nullif(excluded.name, ''), customers.name)` }),
      )
      .returning('id')
      .executeTakeFirstOrThrow()
    const order = await tx
      .insertInto('orders')
      .values({
        channel: input.channel,
        external_id: input.externalId,
        customer_id: customer.id,
        currency: input.currency,
        shipping_address: JSON.stringify(input.shippingAddress),
        billing_address: input.billingAddress ? JSON.stringify(input.billingAddress) : null,
        shipping_method: input.shippingMethod,
        payment_method: input.paymentMethod,
        payment: JSON.stringify(input.payment),
        subtotal: input.totals.subtotal,
        shipping_total: input.totals.shipping,
        tax_total: input.totals.tax,
        total: input.totals.total,
        tags: input.tags,
        ...(input.placedAt ? { placed_at: input.placedAt } : {}),
      })
      .onConflict((oc) => oc.columns(['channel', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!order) {
      // a concurrent request inserted it first; ours waited on the unique index and did nothing
      return { id: (await findOrder(tx, input.channel, input.externalId))!, created: false }
    }
    await tx
      .insertInto('order_lines')
      .values(
        input.lines.map((l, i) => ({
          order_id: order.id,
          line_no: i + 1,
          sku: l.sku,
          name: l.name ?? '',
          quantity: l.quantity,
          unit_price: l.unitPrice,
        })),
      )
      .execute()
    await startRun(tx, order.id, input.flowId)
    return { id: order.id, created: true }
  })
}

async function findOrder(db: Db, channel: string, externalId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('orders')
    .select('id')
    .where('channel', '=', channel)
    .where('external_id', '=', externalId)
    .executeTakeFirst()
  return row?.id
}
