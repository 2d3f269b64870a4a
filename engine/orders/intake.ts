import { sql } from 'kysely'
import type { Db } from '../db.ts'
import { startRun } from '../runner/start-run.ts'
import type { OrderInput } from './order-model.ts'

/**
 * Takes an order in: customer, order, lines and the start of its run commit in one transaction.
 * The same (channel, externalId) again returns the order already there, never a second one, even
 * when both arrive at the same moment (the unique index decides; the loser reads the winner's row).
 */
export async function receiveOrder(db: Db, input: OrderInput): Promise<{ id: number; created: boolean; status: string }> {
  return db.transaction().execute(async (tx) => {
    // customer, order and lines in one statement (intake is the hot path)
    const { rows } = await sql<{ id: number }>`
      with c as (
        insert into customers (email, name) values (${input.customer.email.toLowerCase()}, ${input.customer.name})
        on conflict (email) do update set name = coalesce(nullif(excluded.name, ''), customers.name)
        returning id
      ), o as (
        insert into orders (channel, external_id, customer_id, currency, shipping_address, billing_address,
          shipping_method, payment_method, payment, subtotal, shipping_total, tax_total, total, tags, placed_at)
        select ${input.channel}, ${input.externalId}, c.id, ${input.currency}, ${JSON.stringify(input.shippingAddress)}::jsonb,
          ${input.billingAddress ? JSON.stringify(input.billingAddress) : null}::jsonb, ${input.shippingMethod},
          ${input.paymentMethod}, ${JSON.stringify(input.payment)}::jsonb, ${input.totals.subtotal}::numeric,
          ${input.totals.shipping}::numeric, ${input.totals.tax}::numeric, ${input.totals.total}::numeric,
          ${input.tags}::text[], coalesce(${input.placedAt ?? null}::timestamptz, now())
        from c
        on conflict (channel, external_id) do nothing
        returning id
      ), l as (
        insert into order_lines (order_id, line_no, sku, name, quantity, unit_price)
        select o.id, t.line_no, t.sku, t.name, t.quantity, t.unit_price
        from o, unnest(${input.lines.map((_, i) => i + 1)}::int[], ${input.lines.map((l) => l.sku)}::text[],
          ${input.lines.map((l) => l.name ?? '')}::text[], ${input.lines.map((l) => l.quantity)}::int[],
          ${input.lines.map((l) => l.unitPrice)}::numeric[]) as t(line_no, sku, name, quantity, unit_price)
      )
      select id from o`.execute(tx)
    const inserted = rows[0]
    if (!inserted) {
      // it exists (or a concurrent request inserted it first: ours waited on the unique index)
      const existing = await tx
        .selectFrom('orders')
        .select(['id', 'status'])
        .where('channel', '=', input.channel)
        .where('external_id', '=', input.externalId)
        .executeTakeFirstOrThrow()
      return { id: existing.id, created: false, status: existing.status }
    }
    await startRun(tx, inserted.id, input.flowId)
    return { id: inserted.id, created: true, status: 'received' }
  })
}
