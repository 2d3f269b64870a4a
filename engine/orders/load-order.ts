import type { Executor } from '../db.ts'
import type { Order } from './order-model.ts'

/** Loads the order as nodes, rules and templates see it (lines in line order). */
export async function loadOrder(db: Executor, id: number, opts: { forUpdate?: boolean } = {}): Promise<Order | undefined> {
  let query = db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .selectAll('orders')
    .select(['customers.email as customer_email', 'customers.name as customer_name'])
    .where('orders.id', '=', id)
  if (opts.forUpdate) query = query.forUpdate('orders')
  const row = await query.executeTakeFirst()
  if (!row) return undefined
  const lines = await db
    .selectFrom('order_lines')
    .select(['line_no', 'sku', 'name', 'quantity', 'unit_price'])
    .where('order_id', '=', id)
    .orderBy('line_no')
    .execute()
  return orderFromRow(row, lines)
}

type OrderRow = {
  id: number
  channel: string
  external_id: string
  status: string
  currency: string
  customer_id: number
  customer_email: string
  customer_name: string
  shipping_address: unknown
  billing_address: unknown
  shipping_method: string
  payment_method: string
  payment: Record<string, unknown>
  subtotal: string
  shipping_total: string
  tax_total: string
  total: string
  attributes: Record<string, unknown>
  tags: string[]
  placed_at: Date
}
type LineRow = { line_no: number; sku: string; name: string; quantity: number; unit_price: string }

/** Maps database rows to the order nodes see; shared by every loader so the shape cannot drift. */
export function orderFromRow(row: OrderRow, lines: LineRow[]): Order {
  return {
    id: row.id,
    channel: row.channel,
    externalId: row.external_id,
    status: row.status,
    currency: row.currency,
    customer: { id: row.customer_id, email: row.customer_email, name: row.customer_name },
    shippingAddress: row.shipping_address as Order['shippingAddress'],
    billingAddress: (row.billing_address as Order['billingAddress']) ?? null,
    shippingMethod: row.shipping_method,
    paymentMethod: row.payment_method,
    payment: row.payment,
    lines: lines.map((l) => ({ lineNo: l.line_no, sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unit_price })),
    totals: { subtotal: row.subtotal, shipping: row.shipping_total, tax: row.tax_total, total: row.total },
    attributes: row.attributes,
    tags: row.tags,
    placedAt: new Date(row.placed_at),
  }
}
