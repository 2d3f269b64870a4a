import { sql } from 'kysely'
import type { Tx } from './db.ts'
import type { Order } from './orders/order-model.ts'

/**
 * The facts rules can test. Money becomes numbers here only, for comparisons; the order keeps
 * exact decimal strings everywhere else.
 */
export async function buildFacts(tx: Tx, order: Order): Promise<Record<string, unknown>> {
  const stats = await sql<{ order_count: number; lifetime_value: string }>`
    select count(*)::int as order_count, coalesce(sum(total), 0)::text as lifetime_value
    from orders where customer_id = ${order.customer.id}`.execute(tx)
  const { order_count = 1, lifetime_value = '0' } = stats.rows[0] ?? {}
  return {
    order: orderFacts(order),
    customer: {
      email: order.customer.email,
      orderCount: order_count,
      lifetimeValue: Number(lifetime_value),
      firstOrder: order_count <= 1,
    },
    lines: order.lines.map((l) => ({ ...l, unitPrice: Number(l.unitPrice) })),
  }
}

export function orderFacts(order: Order): Record<string, unknown> {
  return {
    channel: order.channel,
    currency: order.currency,
    shippingMethod: order.shippingMethod,
    paymentMethod: order.paymentMethod,
    express: order.attributes.express === true || order.shippingMethod === 'express',
    priority: order.attributes.priority ?? 'normal',
    total: Number(order.totals.total),
    subtotal: Number(order.totals.subtotal),
    lineCount: order.lines.length,
    itemCount: order.lines.reduce((n, l) => n + l.quantity, 0),
    skus: order.lines.map((l) => l.sku),
    country: order.shippingAddress.country,
    tags: order.tags,
    attributes: order.attributes,
  }
}
