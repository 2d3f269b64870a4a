import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DAY, type DefaultFlowKit, MINUTE, setupDefaultFlowHarness } from './default-flow-helpers.ts'
import { eventually } from './harness.ts'

/**
 * The seeded default flow after delivery: follow-up (review request, negative feedback alerting
 * support) and the return window (approved → received → restocked → refunded; rejected after
 * the window). Delivery and return requests carry the date they happened (TestClock time), as
 * the carrier webhook and the channels do.
 */
let k: DefaultFlowKit
beforeAll(async () => {
  k = await setupDefaultFlowHarness()
})
afterAll(async () => k?.h.close())

/** An order of the default flow taken to delivered. */
async function delivered(lines: Parameters<DefaultFlowKit['place']>[0], via: 'carrier' | 'api' = 'carrier') {
  const id = await k.place(lines)
  await k.pickOrders([id])
  if (via === 'carrier') await k.deliver(id)
  else {
    await k.waitingAt(id, 'delivery', 'delivered')
    await k.event(id, 'delivered', { deliveredAt: k.clock.now().toISOString() })
  }
  const d = await k.waitingAt(id, 'follow-up', 'feedback')
  expect(d.order.status).toBe('delivered')
  return id
}

describe('default flow: after delivery', () => {
  it('delivered → review request after 3 days → negative feedback alerts support by email', async () => {
    const id = await delivered([{ sku: 'B-MUG-01', quantity: 2, unitPrice: '15.00' }], 'api')
    expect((await k.shipmentsOf(id))[0]).toMatchObject({ status: 'delivered' })
    await k.h.advance(3 * DAY + MINUTE)
    await eventually(async () => (await k.templates(id)).includes('review-request'), 15_000, 'review request')
    await k.waitingAt(id, 'follow-up', 'feedback')
    await k.event(id, 'feedback', { rating: 1, comment: 'Both mugs arrived chipped' })
    const d = await k.waitingAt(id, 'return', 'return_requested')
    expect(k.step(d, 'follow-up')).toMatchObject({ port: 'negative', output: { rating: 1, comment: 'Both mugs arrived chipped' } })
    expect(d.order.attributes.feedback).toEqual({ rating: 1, comment: 'Both mugs arrived chipped' })
    const mail = await k.emails(id)
    expect(mail.map((m) => m.template)).toEqual(['order-confirmation', 'shipped', 'review-request', 'support-alert'])
    const alert = mail.find((m) => m.template === 'support-alert')!
    expect(alert.to).toBe('support@example.com')
    expect(alert.subject).toContain('Negative feedback')
    expect(alert.text).toContain('Rating: 1 / 5')
    expect(alert.text).toContain('Both mugs arrived chipped')
    expect(alert.text).toContain(d.order.externalId)
  })

  it('return within the window → approved → received resellable → restocked → refunded → completed', async () => {
    const id = await delivered([
      { sku: 'B-TOWL-01', quantity: 2, unitPrice: '19.00' },
      { sku: 'A-CHOC-01', quantity: 1, unitPrice: '3.90' },
    ])
    await k.event(id, 'feedback', { rating: 5 })
    await k.waitingAt(id, 'return', 'return_requested')
    const afterShipping = await k.inventory('B-TOWL-01')

    await k.h.advance(10 * DAY)
    await k.event(id, 'return_requested', {
      lines: [{ sku: 'B-TOWL-01', quantity: 1 }],
      reason: 'changed_mind',
      comment: 'Wrong colour for our kitchen',
      requestedAt: k.clock.now().toISOString(),
    })
    const approved = await k.waitingAt(id, 'return', 'return_received')
    expect(approved.order.status).toBe('return_approved')
    expect(await k.templates(id)).toContain('return-approved')
    const [ret] = await k.h.db.selectFrom('returns').selectAll().where('order_id', '=', id).execute()
    expect(ret).toMatchObject({
      status: 'approved',
      reason: 'changed_mind',
      comment: 'Wrong colour for our kitchen',
      lines: [{ sku: 'B-TOWL-01', quantity: 1 }],
    })
    expect(await k.refunds(id)).toEqual([])

    await k.h.advance(4 * DAY)
    await k.event(id, 'return_received', { condition: 'resellable' })
    const done = await k.finished(id)
    expect(done.run.status).toBe('completed')
    expect(done.order.status).toBe('completed')
    expect(k.ports(done).slice(-3)).toEqual(['follow-up:positive', 'return:refunded', 'end:null'])
    expect(k.step(done, 'return')?.output).toMatchObject({
      condition: 'resellable',
      restocked: [{ sku: 'B-TOWL-01', quantity: 1 }],
      writtenOff: [],
      refund: '19.00',
    })
    // the towel is back on the shelf
    expect(await k.inventory('B-TOWL-01')).toEqual({ on_hand: afterShipping.on_hand + 1, reserved: afterShipping.reserved })
    // refunded: the returned line only, not the order total, against the captured payment
    const [payment] = await k.payments(id)
    expect(payment).toMatchObject({ status: 'captured', amount: '46.80' })
    expect(await k.refunds(id)).toMatchObject([
      { amount: '19.00', status: 'refunded', return_id: ret!.id, payment_id: payment!.id, currency: 'EUR' },
    ])
    expect(
      await k.h.db.selectFrom('returns').select(['status', 'condition', 'refund_amount']).where('id', '=', ret!.id).executeTakeFirstOrThrow(),
    ).toEqual({ status: 'refunded', condition: 'resellable', refund_amount: '19.00' })
    const mail = await k.emails(id)
    expect(mail.map((m) => m.template)).toEqual(['order-confirmation', 'shipped', 'return-approved', 'refund-issued'])
    expect(mail.at(-1)!.text).toContain('19.00')
  })

  it('a return requested after the window closed → rejected with the return-rejected email', async () => {
    const id = await delivered([{ sku: 'C-TSHR-01', quantity: 1, unitPrice: '29.00' }])
    await k.event(id, 'feedback', { rating: 4 })
    const atReturn = await k.waitingAt(id, 'return', 'return_requested')
    const windowEnd = new Date(atReturn.steps.at(-1)!.waitUntil!)
    expect(windowEnd.getTime() - new Date(atReturn.order.attributes.deliveredAt).getTime()).toBe(30 * DAY)
    // the customer asks on day 31; the request reaches the return step before its deadline job
    // has run (the clock moves without making jobs due, as when the worker is behind)
    k.clock.offsetMs += 31 * DAY
    const onHand = await k.inventory('C-TSHR-01')
    await k.event(id, 'return_requested', {
      lines: [{ sku: 'C-TSHR-01', quantity: 1 }],
      reason: 'changed_mind',
      requestedAt: k.clock.now().toISOString(),
    })
    const done = await k.finished(id)
    expect(done.order.status).toBe('completed')
    expect(k.ports(done).slice(-2)).toEqual(['return:rejected', 'end:null'])
    const [ret] = await k.h.db.selectFrom('returns').selectAll().where('order_id', '=', id).execute()
    expect(ret).toMatchObject({ status: 'rejected', reason: 'changed_mind' })
    expect(ret!.rejection_reason).toBe(`the return window closed on ${windowEnd.toISOString().slice(0, 10)}`)
    const rejected = (await k.emails(id)).find((m) => m.template === 'return-rejected')
    expect(rejected?.text).toContain(ret!.rejection_reason!)
    expect(await k.templates(id)).not.toContain('return-approved')
    expect(await k.refunds(id)).toEqual([])
    expect(await k.inventory('C-TSHR-01')).toEqual(onHand)
  })
})
