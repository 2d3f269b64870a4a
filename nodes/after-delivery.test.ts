import { afterAll, describe, expect, it } from 'vitest'
import type { Clock } from '../engine/node-contract.ts'
import { NodeHarness, outputOf } from '../engine/warehouse/node-harness.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { awaitDelivery } from './await-delivery.ts'
import { followUp } from './follow-up.ts'
import { pay } from './pay.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [{ sku: 'MUG', onHand: 10 }])
const now = new Date('2030-05-01T12:00:00Z')
const clock: Clock = { now: () => now }
const DAY = 86_400_000

describe('await-delivery', () => {
  it('waits for delivered until the deadline, then records the delivery', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 1 }] })
    await t.db
      .insertInto('shipments')
      .values({
        order_id: order.id,
        idempotency_key: `k${order.id}`,
        carrier: 'SimPost',
        service: 'standard',
        tracking_number: `T${order.id}`,
        tracking_url: 'u',
        label_svg: '<svg/>',
        parcels: '[]',
      })
      .execute()
    const node = new NodeHarness(t.db, awaitDelivery, order, { clock, config: { deadlineDays: 5 } })
    expect(await node.start()).toEqual({
      wait: { events: ['delivered'], until: new Date(now.getTime() + 5 * DAY) },
    })
    expect(await node.event('delivered', { deliveredAt: '2030-05-03T09:30:00.000Z' })).toMatchObject({
      port: 'delivered',
    })
    expect(order.attributes.deliveredAt).toBe('2030-05-03T09:30:00.000Z')
    const s = await t.db
      .selectFrom('shipments')
      .select(['status', 'delivered_at'])
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(s).toEqual({ status: 'delivered', delivered_at: new Date('2030-05-03T09:30:00Z') })
  })

  it('goes late at the deadline', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 1 }] })
    const node = new NodeHarness(t.db, awaitDelivery, order, { clock })
    await node.start()
    expect(await node.timeout()).toMatchObject({ port: 'late' })
  })

  it('collects cash on delivery', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 1 }], paymentMethod: 'cod' })
    const payment = new NodeHarness(t.db, pay, order)
    await payment.start()
    const node = new NodeHarness(t.db, awaitDelivery, order, { clock, services: payment.services })
    await node.start()
    expect(outputOf(await node.event('delivered'))).toMatchObject({ cashCollected: '10.00' })
    expect(
      await t.db.selectFrom('payments').select(['status']).where('order_id', '=', order.id).execute(),
    ).toEqual([{ status: 'captured' }])
  })
})

describe('follow-up', () => {
  const delivered = async () =>
    addOrder(t.db, { lines: [{ sku: 'MUG', quantity: 1 }], attributes: { deliveredAt: now.toISOString() } })

  it('asks N days after delivery; negative feedback alerts support', async () => {
    const node = new NodeHarness(t.db, followUp, await delivered(), {
      clock,
      config: { delayDays: 3, supportEmail: 'help@shop.example' },
    })
    expect(await node.start()).toMatchObject({
      wait: { events: ['feedback'], until: new Date(now.getTime() + 3 * DAY) },
    })
    expect(await node.timeout()).toMatchObject({ wait: { events: ['feedback'] } })
    expect(node.emails.map((e) => e.template)).toEqual(['review-request'])
    expect(await node.event('feedback', { rating: 1, comment: 'Arrived broken' })).toMatchObject({
      port: 'negative',
    })
    expect(node.emails[1]).toMatchObject({
      template: 'support-alert',
      to: 'help@shop.example',
      data: { reason: 'Negative feedback', feedback: { rating: 1, comment: 'Arrived broken' } },
    })
  })

  it('positive feedback, and no answer by the deadline', async () => {
    const happy = new NodeHarness(t.db, followUp, await delivered(), { clock })
    await happy.start()
    await happy.timeout()
    expect(await happy.event('feedback', { rating: 5 })).toMatchObject({ port: 'positive' })
    const silent = new NodeHarness(t.db, followUp, await delivered(), { clock })
    await silent.start()
    await silent.timeout()
    expect(await silent.timeout()).toEqual({ port: 'noResponse' })
  })
})
