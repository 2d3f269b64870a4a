import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { RetryLater } from '../errors.ts'
import { SimulatedPaymentProvider, TEST_CARDS } from './simulated-payment.ts'

const t = await createTestDb()
afterAll(() => t.close())

const capture = (p: SimulatedPaymentProvider, key: string, card: string, amount = '59.90') =>
  p.capture({ key, orderId: 1, amount, currency: 'EUR', method: 'card', payment: { card } })

describe('SimulatedPaymentProvider', () => {
  it('captures a good card and declines the test cards with their reasons', async () => {
    const p = new SimulatedPaymentProvider(t.db)
    expect(await capture(p, 'k-ok', '4242424242424242')).toMatchObject({
      status: 'captured',
      ref: expect.stringMatching(/^ch_/),
    })
    expect(await capture(p, 'k-declined', TEST_CARDS.declined)).toMatchObject({
      status: 'failed',
      reason: 'card_declined',
    })
    expect(await capture(p, 'k-funds', TEST_CARDS.insufficientFunds)).toMatchObject({
      status: 'failed',
      reason: 'insufficient_funds',
    })
  })

  it('is idempotent by key across instances (the ledger survives a restart)', async () => {
    const first = await capture(new SimulatedPaymentProvider(t.db), 'k-once', '4242424242424242', '10.00')
    // a "restarted" provider, and a different card: the key decides, the first result stands
    const again = await capture(new SimulatedPaymentProvider(t.db), 'k-once', TEST_CARDS.declined, '10.00')
    expect(again).toEqual(first)
    const rows = await t.db
      .selectFrom('simulated_provider_charges')
      .selectAll()
      .where('key', '=', 'k-once')
      .execute()
    expect(rows).toHaveLength(1)
  })

  it('charges once under concurrent duplicate captures', async () => {
    const p = new SimulatedPaymentProvider(t.db)
    const results = await Promise.all(
      Array.from({ length: 10 }, () => capture(p, 'k-race', '4242424242424242')),
    )
    expect(new Set(results.map((r) => r.ref)).size).toBe(1)
    expect(p.writes.runs).toBe(1) // one write for all ten, not a failed one and ten more
    const n = await t.db
      .selectFrom('simulated_provider_charges')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key', '=', 'k-race')
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1)
  })

  it('captures of one turn are one write, each with its own answer; a known key keeps its first', async () => {
    const p = new SimulatedPaymentProvider(t.db)
    const known = await capture(p, 'k-batch-known', TEST_CARDS.declined)
    const runs = p.writes.runs
    const cards = ['4242424242424242', TEST_CARDS.declined, TEST_CARDS.insufficientFunds]
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => capture(p, `k-batch-${i}`, cards[i % 3]!, `${i + 1}.00`)),
      capture(p, 'k-batch-known', '4242424242424242'),
    ])
    expect(p.writes.runs - runs).toBe(1)
    expect(results.slice(0, 3).map((r) => r.status)).toEqual(['captured', 'failed', 'failed'])
    expect(results[30]).toEqual(known)
    const rows = await t.db
      .selectFrom('simulated_provider_charges')
      .select(['key', 'amount', 'status'])
      .where('key', 'like', 'k-batch-%')
      .orderBy('key')
      .execute()
    expect(rows).toHaveLength(31)
    expect(rows.find((r) => r.key === 'k-batch-7')).toEqual({
      key: 'k-batch-7',
      amount: '8.00',
      status: 'failed',
    })
  })

  it('times out once per key with RetryLater, then captures', async () => {
    const p = new SimulatedPaymentProvider(t.db)
    await expect(capture(p, 'k-slow', 'timeout')).rejects.toBeInstanceOf(RetryLater)
    expect(await capture(p, 'k-slow', 'timeout')).toMatchObject({ status: 'captured' })
    await expect(capture(p, 'k-slow-2', TEST_CARDS.timeout)).rejects.toThrow(/timed out/)
  })

  it('refunds up to the captured amount, idempotently', async () => {
    const p = new SimulatedPaymentProvider(t.db)
    const charge = await capture(p, 'k-refund', '4242424242424242', '30.00')
    const refund = (key: string, amount: string) =>
      p.refund({ key, paymentRef: charge.ref, amount, currency: 'EUR' })
    expect(await refund('r1', '20.00')).toMatchObject({ status: 'refunded' })
    expect(await refund('r1', '20.00')).toMatchObject({ status: 'refunded' })
    expect(await refund('r2', '10.01')).toMatchObject({ status: 'failed', reason: 'exceeds_captured_amount' })
    expect(await refund('r3', '10.00')).toMatchObject({ status: 'refunded' })
    expect(
      await p.refund({ key: 'r4', paymentRef: 'ch_nope', amount: '1.00', currency: 'EUR' }),
    ).toMatchObject({ reason: 'unknown_charge' })
  })

  it('works without a database, in memory', async () => {
    const p = new SimulatedPaymentProvider()
    const a = await capture(p, 'm1', '4242424242424242')
    expect(await capture(p, 'm1', TEST_CARDS.declined)).toEqual(a)
    await expect(
      p.capture({ key: 'm2', orderId: 1, amount: '1.5.0', currency: 'EUR', method: 'card', payment: {} }),
    ).rejects.toThrow(/decimal/)
  })
})
