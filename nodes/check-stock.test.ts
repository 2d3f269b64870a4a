import { afterAll, describe, expect, it } from 'vitest'
import { NodeHarness } from '../engine/warehouse/node-harness.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { checkStock } from './check-stock.ts'
import { pay } from './pay.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [
  { sku: 'MUG', onHand: 10 },
  { sku: 'LAMP', onHand: 1 },
  { sku: 'RARE', onHand: 0 },
])
const stock = (sku: string) =>
  t.db
    .selectFrom('inventory')
    .select(['on_hand', 'reserved'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow()
const backorders = (orderId: number) =>
  t.db
    .selectFrom('backorders')
    .select(['sku', 'quantity', 'status'])
    .where('order_id', '=', orderId)
    .orderBy('sku')
    .execute()

describe('check-stock', () => {
  it('reserves everything: inStock', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 2 }] })
    expect(await new NodeHarness(t.db, checkStock, order).start()).toMatchObject({ port: 'inStock' })
    expect(await stock('MUG')).toEqual({ on_hand: 10, reserved: 2 })
  })

  it('backorder: outOfStock, one notice, and back in stock after a restock', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'RARE', quantity: 2 }] })
    const first = new NodeHarness(t.db, checkStock, order)
    expect(await first.start()).toMatchObject({
      port: 'outOfStock',
      output: { backordered: [{ sku: 'RARE', quantity: 2 }] },
    })
    expect(first.emails.map((e) => e.template)).toEqual(['backorder-notice'])
    expect(first.emails[0]!.data.expectedDate).toMatch(/^\d{4}-\d\d-\d\d$/)
    // still short on the next visit: no second notice
    const again = new NodeHarness(t.db, checkStock, order)
    expect(await again.start()).toMatchObject({ port: 'outOfStock' })
    expect(again.emails).toEqual([])
    await t.db.updateTable('inventory').set({ on_hand: 5 }).where('sku', '=', 'RARE').execute()
    const restocked = new NodeHarness(t.db, checkStock, order)
    expect(await restocked.start()).toMatchObject({
      port: 'inStock',
      output: { backordersFulfilled: ['RARE'] },
    })
    expect(await backorders(order.id)).toEqual([{ sku: 'RARE', quantity: 2, status: 'fulfilled' }])
  })

  it('partial: takes what there is of a SKU and backorders the rest', async () => {
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'LAMP', quantity: 3 },
        { sku: 'MUG', quantity: 1 },
      ],
    })
    const node = new NodeHarness(t.db, checkStock, order, { config: { onShortage: 'partial' } })
    expect(await node.start()).toMatchObject({
      port: 'partial',
      output: { short: [{ sku: 'LAMP', quantity: 2 }] },
    })
    expect(await stock('LAMP')).toEqual({ on_hand: 1, reserved: 1 })
    expect(await backorders(order.id)).toEqual([{ sku: 'LAMP', quantity: 2, status: 'open' }])
  })

  it('dropship: a supplier order and an email to the supplier', async () => {
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'RARE', quantity: 9 },
        { sku: 'MUG', quantity: 1 },
      ],
    })
    const node = new NodeHarness(t.db, checkStock, order, {
      config: { onShortage: 'dropship', supplierEmail: 'ops@acme.example' },
    })
    expect(await node.start()).toMatchObject({
      port: 'inStock', // we ship the mug; the supplier ships the rest
      output: { dropship: { lines: [{ sku: 'RARE', quantity: 9 }] } },
    })
    const so = await t.db
      .selectFrom('supplier_orders')
      .selectAll()
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(so).toMatchObject({ supplier_email: 'ops@acme.example', lines: [{ sku: 'RARE', quantity: 9 }] })
    expect(node.emails).toMatchObject([{ template: 'dropship-supplier-order', to: 'ops@acme.example' }])
  })

  it('cancel: releases what it reserved, refunds the payment, emails the customer', async () => {
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'MUG', quantity: 1 },
        { sku: 'RARE', quantity: 50 },
      ],
      total: '99.00',
    })
    const payment = new NodeHarness(t.db, pay, order)
    await payment.start()
    const before = await stock('MUG')
    const node = new NodeHarness(t.db, checkStock, order, {
      config: { onShortage: 'cancel' },
      services: payment.services,
    })
    expect(await node.start()).toMatchObject({
      port: 'cancelled',
      output: { cancelled: true, refund: { status: 'refunded', amount: '99.00' } },
    })
    expect(await stock('MUG')).toEqual(before)
    expect(node.emails).toMatchObject([{ template: 'order-cancelled' }])
    expect(
      await t.db
        .selectFrom('refunds')
        .select(['amount', 'status'])
        .where('order_id', '=', order.id)
        .execute(),
    ).toEqual([{ amount: '99.00', status: 'refunded' }])
    expect(order.status).toBe('cancelled')
  })
})
