import { afterAll, describe, expect, it } from 'vitest'
import { TEST_CARDS } from '../engine/adapters/index.ts'
import { RetryLater } from '../engine/errors.ts'
import { NodeHarness } from '../engine/warehouse/node-harness.ts'
import { addOrder } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { pay } from './pay.ts'

const t = await createTestDb()
afterAll(() => t.close())
const payments = (orderId: number) =>
  t.db.selectFrom('payments').selectAll().where('order_id', '=', orderId).execute()

describe('pay', () => {
  it('captures a good card: paid, with one payment row', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'X', quantity: 2, unitPrice: '12.50' }] })
    const node = new NodeHarness(t.db, pay, order)
    expect(await node.start()).toMatchObject({ port: 'paid', output: { amount: '25.00' } })
    expect(await payments(order.id)).toMatchObject([
      { status: 'captured', amount: '25.00', provider: 'simulated' },
    ])
    expect(order.status).toBe('paid')
  })

  it('routes a declined card to failed with the reason', async () => {
    const order = await addOrder(t.db, {
      lines: [{ sku: 'X', quantity: 1 }],
      payment: { card: TEST_CARDS.insufficientFunds },
    })
    expect(await new NodeHarness(t.db, pay, order).start()).toMatchObject({
      port: 'failed',
      output: { reason: 'insufficient_funds' },
    })
    expect(await payments(order.id)).toMatchObject([
      { status: 'failed', failure_reason: 'insufficient_funds' },
    ])
  })

  it('retries a provider timeout and charges once', async () => {
    const order = await addOrder(t.db, {
      lines: [{ sku: 'X', quantity: 1 }],
      payment: { card: TEST_CARDS.timeout },
    })
    const node = new NodeHarness(t.db, pay, order)
    await expect(node.start(1)).rejects.toBeInstanceOf(RetryLater)
    expect(await payments(order.id)).toEqual([]) // the step's transaction rolled back
    expect(await node.start(2)).toMatchObject({ port: 'paid' })
    const charges = await t.db
      .selectFrom('simulated_provider_charges')
      .selectAll()
      .where('order_id', '=', order.id)
      .execute()
    expect(charges).toMatchObject([{ status: 'captured' }])
  })

  it('records cash on delivery as pending without calling the provider', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'X', quantity: 1 }], paymentMethod: 'cod' })
    expect(await new NodeHarness(t.db, pay, order).start()).toMatchObject({
      port: 'paid',
      output: { cashOnDelivery: true },
    })
    expect(await payments(order.id)).toMatchObject([{ status: 'pending', provider: 'cash_on_delivery' }])
  })
})
