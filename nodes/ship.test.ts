import { afterAll, describe, expect, it } from 'vitest'
import { NodeHarness, outputOf } from '../engine/warehouse/node-harness.ts'
import { reserveStock } from '../engine/warehouse/reserve-stock.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { pack } from './pack.ts'
import { ship } from './ship.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [{ sku: 'MUG', fragile: true, weightG: 400, dims: [120, 90, 100], onHand: 10 }])

async function reserved(opts: { shippingMethod?: string; attributes?: Record<string, unknown> } = {}) {
  const order = await addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 2 }], ...opts })
  await t.db.transaction().execute((tx) => reserveStock(tx, order.id, order.lines))
  return order
}

describe('ship', () => {
  it('books, stores the label, consumes stock, tells the channel and emails tracking', async () => {
    const order = await reserved()
    await new NodeHarness(t.db, pack, order).start()
    const node = new NodeHarness(t.db, ship, order)
    const r = outputOf(await node.start())!
    expect(r).toMatchObject({
      service: 'standard',
      trackingNumber: expect.stringMatching(/^SPS/),
      labelUrl: `/api/shipments/${r.shipmentId}/label`,
    })
    const s = await t.db
      .selectFrom('shipments')
      .selectAll()
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(s.label_svg).toContain('<svg')
    expect(s.parcels).toMatchObject([{ boxId: 'S', weightG: 800 }])
    expect(
      await t.db
        .selectFrom('inventory')
        .select(['on_hand', 'reserved'])
        .where('sku', '=', 'MUG')
        .executeTakeFirstOrThrow(),
    ).toEqual({ on_hand: 8, reserved: 0 })
    const update = await t.db
      .selectFrom('simulated_channel_updates')
      .selectAll()
      .where('external_id', '=', order.externalId)
      .executeTakeFirstOrThrow()
    expect(update.tracking_number).toBe(r.trackingNumber)
    expect(node.emails).toMatchObject([{ template: 'shipped', data: { tracking: { url: r.trackingUrl, number: r.trackingNumber } } }])
    expect(order.status).toBe('shipped')
  })

  it('uses the express service for express orders, even without a pack step', async () => {
    const order = await reserved({ attributes: { express: true } })
    expect(outputOf(await new NodeHarness(t.db, ship, order).start())).toMatchObject({
      service: 'express',
      trackingNumber: expect.stringMatching(/^SPX/),
    })
  })
})
