import type { Db, Executor } from '../db.ts'
import type { Order } from '../orders/order-model.ts'

/** Test fixtures: products with stock, and orders inserted straight into the tables. */

export interface ProductFixture {
  sku: string
  onHand?: number
  weightG?: number
  dims?: [number, number, number]
  fragile?: boolean
  zone?: string
  bin?: string
  price?: string
}

export async function addProducts(db: Executor, products: ProductFixture[]): Promise<void> {
  if (products.length === 0) return
  await db
    .insertInto('products')
    .values(
      products.map((p) => ({
        sku: p.sku,
        name: `Product ${p.sku}`,
        weight_g: p.weightG ?? 500,
        length_mm: p.dims?.[0] ?? 200,
        width_mm: p.dims?.[1] ?? 150,
        height_mm: p.dims?.[2] ?? 100,
        fragile: p.fragile ?? false,
        zone: p.zone ?? 'A',
        bin: p.bin ?? `${p.zone ?? 'A'}-01-01`,
        price: p.price ?? '10.00',
      })),
    )
    .execute()
  await db
    .insertInto('inventory')
    .values(products.map((p) => ({ sku: p.sku, on_hand: p.onHand ?? 0 })))
    .execute()
}

let seq = 0

export interface OrderFixture {
  lines: { sku: string; quantity: number; unitPrice?: string }[]
  email?: string
  shippingMethod?: string
  paymentMethod?: string
  payment?: Record<string, unknown>
  attributes?: Record<string, unknown>
  total?: string
}

/** Inserts a customer, an order and its lines; returns the order as nodes see it. */
export async function addOrder(db: Db | Executor, f: OrderFixture): Promise<Order> {
  seq += 1
  const n = seq
  const email = f.email ?? `customer-${process.pid}-${n}@example.com`
  const customer = await db
    .insertInto('customers')
    .values({ email, name: 'Ada Lovelace' })
    .onConflict((oc) => oc.column('email').doUpdateSet({ email }))
    .returning('id')
    .executeTakeFirstOrThrow()
  const address = {
    name: 'Ada Lovelace',
    line1: '12 Analytical Row',
    city: 'London',
    postalCode: 'N1 9GU',
    country: 'GB',
  }
  const lines = f.lines.map((l, i) => ({
    lineNo: i + 1,
    sku: l.sku,
    name: `Product ${l.sku}`,
    quantity: l.quantity,
    unitPrice: l.unitPrice ?? '10.00',
  }))
  const total = f.total ?? lines.reduce((s, l) => s + Number(l.unitPrice) * l.quantity, 0).toFixed(2)
  const row = await db
    .insertInto('orders')
    .values({
      channel: 'web',
      external_id: `ext-${process.pid}-${n}-${Date.now()}`,
      customer_id: customer.id,
      currency: 'EUR',
      shipping_address: JSON.stringify(address),
      shipping_method: f.shippingMethod ?? 'standard',
      payment_method: f.paymentMethod ?? 'card',
      payment: JSON.stringify(f.payment ?? { card: '4242424242424242' }),
      subtotal: total,
      shipping_total: '0.00',
      tax_total: '0.00',
      total,
      attributes: JSON.stringify(f.attributes ?? {}),
    })
    .returning(['id', 'external_id', 'placed_at'])
    .executeTakeFirstOrThrow()
  await db
    .insertInto('order_lines')
    .values(
      lines.map((l) => ({
        order_id: row.id,
        line_no: l.lineNo,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unit_price: l.unitPrice,
      })),
    )
    .execute()
  return {
    id: row.id,
    channel: 'web',
    externalId: row.external_id,
    status: 'received',
    currency: 'EUR',
    customer: { id: customer.id, email, name: 'Ada Lovelace' },
    shippingAddress: address,
    billingAddress: null,
    shippingMethod: f.shippingMethod ?? 'standard',
    paymentMethod: f.paymentMethod ?? 'card',
    payment: f.payment ?? { card: '4242424242424242' },
    lines,
    totals: { subtotal: total, shipping: '0.00', tax: '0.00', total },
    attributes: f.attributes ?? {},
    tags: [],
    placedAt: row.placed_at,
  }
}

/** A run and a running step row for a node under test (reservations and emails refer to steps). */
export async function addStep(
  db: Db,
  orderId: number,
  nodeType: string,
): Promise<{ runId: number; stepId: number }> {
  await db
    .insertInto('flows')
    .values({ id: 'node-test', name: 'node test', draft: JSON.stringify({ nodes: [], edges: [] }) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  await db
    .insertInto('flow_versions')
    .values({
      flow_id: 'node-test',
      version: 1,
      graph: JSON.stringify({ nodes: [], edges: [] }),
      published_by: 'test',
    })
    .onConflict((oc) => oc.columns(['flow_id', 'version']).doNothing())
    .execute()
  const run = await db
    .insertInto('runs')
    .values({ order_id: orderId, flow_id: 'node-test', flow_version: 1, status: 'running' })
    .onConflict((oc) => oc.column('order_id').doUpdateSet({ status: 'running' }))
    .returning('id')
    .executeTakeFirstOrThrow()
  const visits = await db
    .selectFrom('steps')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', run.id)
    .executeTakeFirstOrThrow()
  const step = await db
    .insertInto('steps')
    .values({
      run_id: run.id,
      node_id: nodeType,
      node_type: nodeType,
      visit: Number(visits.n) + 1,
      status: 'running',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { runId: run.id, stepId: step.id }
}
