import { afterAll, describe, expect, it } from 'vitest'
import type { Clock } from '../engine/node-contract.ts'
import { NodeHarness } from '../engine/warehouse/node-harness.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { pay } from './pay.ts'
import { returnNode } from './return.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [
  { sku: 'MUG', onHand: 0 },
  { sku: 'VASE', onHand: 0 },
])
const deliveredAt = '2030-06-01T10:00:00.000Z'
const clock: Clock = { now: () => new Date('2030-06-05T10:00:00Z') }

async function paidOrder() {
  const order = await addOrder(t.db, {
    lines: [
      { sku: 'MUG', quantity: 2, unitPrice: '15.00' },
      { sku: 'VASE', quantity: 1, unitPrice: '59.00' },
    ],
    attributes: { deliveredAt },
  })
  const payment = new NodeHarness(t.db, pay, order)
  await payment.start()
  return new NodeHarness(t.db, returnNode, order, { clock, services: payment.services })
}
const onHand = async (sku: string) =>
  (await t.db.selectFrom('inventory').select('on_hand').where('sku', '=', sku).executeTakeFirstOrThrow())
    .on_hand

describe('return', () => {
  it('in the window: approved, received resellable, restocked and refunded', async () => {
    const node = await paidOrder()
    expect(await node.start()).toMatchObject({
      wait: { events: ['return_requested'], until: new Date('2030-07-01T10:00:00Z') },
    })
    expect(
      await node.event('return_requested', { lines: [{ sku: 'MUG', quantity: 1 }], reason: 'changed_mind' }),
    ).toMatchObject({ wait: { events: ['return_received'] } })
    expect(await node.event('return_received', { condition: 'resellable' })).toMatchObject({
      port: 'refunded',
      output: { refund: '15.00', restocked: [{ sku: 'MUG', quantity: 1 }] },
    })
    expect(await onHand('MUG')).toBe(1)
    expect(node.emails.map((e) => e.template)).toEqual(['return-approved', 'refund-issued'])
    const ret = await t.db
      .selectFrom('returns')
      .selectAll()
      .where('order_id', '=', node.order.id)
      .executeTakeFirstOrThrow()
    expect(ret).toMatchObject({
      status: 'refunded',
      condition: 'resellable',
      refund_amount: '15.00',
      reason: 'changed_mind',
    })
    expect(
      await t.db
        .selectFrom('refunds')
        .select(['amount', 'return_id'])
        .where('order_id', '=', node.order.id)
        .execute(),
    ).toEqual([{ amount: '15.00', return_id: ret.id }])
  })

  it('a damaged return that is not our fault is written off and partly refunded', async () => {
    const node = await paidOrder()
    await node.start()
    await node.event('return_requested', { lines: [{ sku: 'VASE', quantity: 1 }], reason: 'changed_mind' })
    expect(await node.event('return_received', { condition: 'damaged' })).toMatchObject({
      port: 'refunded',
      output: { refund: '29.50', writtenOff: [{ sku: 'VASE', quantity: 1 }] },
    })
    expect(await onHand('VASE')).toBe(0)
  })

  it('our fault: full refund whatever the condition', async () => {
    const node = await paidOrder()
    await node.start()
    await node.event('return_requested', { lines: [{ sku: 'VASE', quantity: 1 }], reason: 'wrong_item' })
    expect(await node.event('return_received', { condition: 'opened' })).toMatchObject({
      output: { refund: '59.00' },
    })
  })

  it('after the window, unknown reasons and more than was bought are rejected with an email', async () => {
    for (const [data, problem] of [
      [
        { lines: [{ sku: 'MUG', quantity: 1 }], reason: 'damaged', requestedAt: '2030-07-02T00:00:00Z' },
        /window closed on 2030-07-01/,
      ],
      [{ lines: [{ sku: 'MUG', quantity: 1 }], reason: 'bored' }, /not a return reason/],
      [{ lines: [{ sku: 'MUG', quantity: 3 }], reason: 'damaged' }, /only 2 can be returned/],
    ] as const) {
      const node = await paidOrder()
      await node.start()
      const r = await node.event('return_requested', data)
      expect(r).toMatchObject({ port: 'rejected', output: { reason: expect.stringMatching(problem) } })
      expect(node.emails).toMatchObject([{ template: 'return-rejected' }])
    }
  })

  it('no request in the window: noReturn; approved but never arrived: rejected', async () => {
    const quiet = await paidOrder()
    await quiet.start()
    expect(await quiet.timeout()).toMatchObject({ port: 'noReturn' })
    const lost = await paidOrder()
    await lost.start()
    await lost.event('return_requested', { lines: [{ sku: 'MUG', quantity: 1 }], reason: 'damaged' })
    expect(await lost.timeout()).toMatchObject({
      port: 'rejected',
      output: { reason: expect.stringMatching(/did not arrive/) },
    })
  })
})
