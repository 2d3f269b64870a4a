import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DAY, type DefaultFlowKit, MINUTE, setupDefaultFlowHarness } from './default-flow-helpers.ts'
import { eventually } from './harness.ts'

/**
 * The seeded default flow (id "default": what an order gets when it names no flow), branch by
 * branch, through the API with a running worker and a TestClock: fulfilment branches here; the
 * check-stock shortage variants in default-flow-shortage.test.ts; after delivery (feedback,
 * returns) in default-flow-after-sale.test.ts.
 */
let k: DefaultFlowKit
beforeAll(async () => {
  k = await setupDefaultFlowHarness()
})
afterAll(async () => k?.h.close())

describe('default flow: fulfilment', () => {
  it('orders without a flowId run the seeded default flow', async () => {
    const flows = await k.h.api('GET', '/api/flows')
    expect(flows.body.flows.find((f: { id: string }) => f.id === 'default')).toMatchObject({ id: 'default' })
  })

  it('paid, in stock → batch picked → packed → shipped → delivered → review request → no return → completed', async () => {
    const before = await k.inventory('A-NOTE-01')
    const id = await k.place([{ sku: 'A-NOTE-01', quantity: 2, unitPrice: '14.90' }])
    const atPick = await k.waitingAt(id, 'pick')
    expect(atPick.run.flowId).toBe('default')
    expect(atPick.order.status).toBe('picking')
    expect(await k.payments(id)).toMatchObject([{ status: 'captured', amount: '34.70', provider: 'simulated' }])
    expect(await k.reservations(id)).toEqual([{ sku: 'A-NOTE-01', quantity: 2, status: 'reserved' }])
    expect(await k.inventory('A-NOTE-01')).toEqual({ on_hand: before.on_hand, reserved: before.reserved + 2 })
    // standard priority: the batch (size 10) waits for more orders or its 15-minute window
    const [list] = await k.listsOf([id])
    expect(list).toMatchObject({ strategy: 'batch', status: 'open', priority: 0 })
    const picked = await k.pickOrders([id])
    expect(picked).toEqual([list!.id])

    const atDelivery = await k.waitingAt(id, 'delivery', 'delivered')
    expect(atDelivery.order.status).toBe('shipped')
    const pack = atDelivery.order.attributes.pack
    expect(pack.material).toBe('air pillows')
    expect(pack.inserts).not.toContain('gift')
    // a new customer: the first-order rule adds the handwritten note
    expect(pack.inserts).toContain('note: Thank you for your first order!')
    expect(pack.parcels).toHaveLength(1)
    const [shipment] = await k.shipmentsOf(id)
    expect(shipment).toMatchObject({ service: 'standard', status: 'booked' })
    expect(shipment!.tracking_number).toMatch(/^SPS/)
    const shipped = (await k.emails(id)).find((m) => m.template === 'shipped')
    expect(shipped?.text).toContain(shipment!.tracking_number)
    // shipping takes the units off the shelf
    expect(await k.reservations(id)).toEqual([{ sku: 'A-NOTE-01', quantity: 2, status: 'consumed' }])
    expect(await k.inventory('A-NOTE-01')).toEqual({ on_hand: before.on_hand - 2, reserved: before.reserved })
    const label = await k.h.api('GET', `/api/shipments/${shipment!.id}/label`)
    expect(label.status).toBe(200)
    expect(String(label.body)).toContain(shipment!.tracking_number)

    await k.deliver(id)
    const atFollowUp = await k.waitingAt(id, 'follow-up', 'feedback')
    expect(atFollowUp.order.status).toBe('delivered')
    expect((await k.shipmentsOf(id))[0]).toMatchObject({ status: 'delivered' })
    expect(await k.templates(id)).not.toContain('review-request')
    // delayDays 3: the review request goes out three days after delivery
    await k.h.advance(3 * DAY + MINUTE)
    await eventually(async () => (await k.templates(id)).includes('review-request'), 15_000, 'review request')
    await k.waitingAt(id, 'follow-up', 'feedback')
    // responseDays 14 without an answer, then the 30-day return window (from delivery) closes
    await k.h.advance(14 * DAY)
    await k.waitingAt(id, 'return', 'return_requested')
    await k.h.advance(14 * DAY)
    const done = await k.finished(id)
    expect(done.run.status).toBe('completed')
    expect(done.order.status).toBe('completed')
    expect(k.ports(done)).toEqual([
      'receive:next',
      'confirm:sent',
      'pay:paid',
      'rules:next',
      'stock:inStock',
      'pick:picked',
      'pack:packed',
      'ship:shipped',
      'delivery:delivered',
      'follow-up:noResponse',
      'return:noReturn',
      'end:null',
    ])
    expect(await k.templates(id)).toEqual(['order-confirmation', 'shipped', 'review-request'])
    expect(await k.refunds(id)).toEqual([])
  })

  it('a declined card → payment-failed email → status payment_failed, nothing reserved', async () => {
    const before = await k.inventory('A-SOAP-01')
    const id = await k.place([{ sku: 'A-SOAP-01', quantity: 1, unitPrice: '6.50' }], {
      payment: { card: '4000000000000002' },
    })
    const done = await k.finished(id)
    expect(done.run.status).toBe('completed')
    expect(done.order.status).toBe('payment_failed')
    expect(k.ports(done)).toEqual(['receive:next', 'confirm:sent', 'pay:failed', 'payment-failed:sent', 'end-unpaid:null'])
    expect(k.step(done, 'pay')?.output).toMatchObject({ reason: 'card_declined' })
    expect(await k.payments(id)).toMatchObject([{ status: 'failed', failure_reason: 'card_declined', captured_at: null }])
    expect((await k.emails(id)).map((m) => `${m.template}:${m.to}`)).toEqual([
      `order-confirmation:${done.order.customer.email}`,
      `payment-failed:${done.order.customer.email}`,
    ])
    expect(await k.reservations(id)).toEqual([])
    expect(await k.inventory('A-SOAP-01')).toEqual(before)
    expect(await k.shipmentsOf(id)).toEqual([])
  })

  it('an express order gets priority high, is picked before a standard order and ships express', async () => {
    const standard = await k.place([{ sku: 'A-TEA-01', quantity: 1, unitPrice: '11.00' }])
    await k.waitingAt(standard, 'pick')
    const express = await k.place([{ sku: 'A-PUZZ-01', quantity: 1, unitPrice: '12.50' }], { shippingMethod: 'express' })
    const atPick = await k.waitingAt(express, 'pick')
    expect(atPick.order.attributes).toMatchObject({ priority: 'high', express: true, carrierService: 'express' })
    expect(k.step(atPick, 'rules')?.output.fired).toContain('Express shipping gets high priority')
    // the express order's list does not wait for the batch to fill: it is out on the floor at once
    const [expressList] = await k.listsOf([express])
    const [standardList] = await k.listsOf([standard])
    expect(expressList).toMatchObject({ status: 'released', priority: 10 })
    expect(standardList).toMatchObject({ status: 'open', priority: 0 })
    // once the standard batch is released too, pickers get the express list first
    const order = await k.pickOrders([standard, express])
    expect(order).toEqual([expressList!.id, standardList!.id])

    const d = await k.waitingAt(express, 'delivery', 'delivered')
    expect(k.step(d, 'ship')?.output).toMatchObject({ service: 'express' })
    expect(await k.shipmentsOf(express)).toMatchObject([{ service: 'express' }])
    const s = await k.waitingAt(standard, 'delivery', 'delivered')
    expect(s.order.attributes.priority).toBeUndefined()
    expect(await k.shipmentsOf(standard)).toMatchObject([{ service: 'standard' }])
  })

  it('fragile items get bubble wrap', async () => {
    const fragile = await k.place([
      { sku: 'B-WGLS-01', quantity: 1, unitPrice: '34.00' },
      { sku: 'A-CARD-01', quantity: 2, unitPrice: '4.50' },
    ])
    await k.pickOrders([fragile])
    const d = await k.waitingAt(fragile, 'delivery', 'delivered')
    expect(d.order.attributes.packaging).toBe('bubble wrap')
    expect(k.step(d, 'rules')?.output.fired).toContain('Fragile goods get bubble wrap')
    const pack = k.step(d, 'pack')?.output
    expect(pack.material).toBe('bubble wrap')
    expect(pack.packingSlip).toContain('Packaging: bubble wrap')
    expect(d.order.attributes.pack.material).toBe('bubble wrap')
  })

  it('an order over the gift threshold (100) gets the gift insert', async () => {
    const gift = await k.place([{ sku: 'C-SCRF-01', quantity: 1, unitPrice: '120.00' }])
    const small = await k.place([{ sku: 'C-BEAN-01', quantity: 1, unitPrice: '25.00' }])
    await k.pickOrders([gift, small])
    const d = await k.waitingAt(gift, 'delivery', 'delivered')
    expect(d.order.attributes.gift).toBe(true)
    const pack = d.order.attributes.pack
    expect(pack.inserts).toContain('gift')
    expect(pack.packingSlip).toMatch(/Inserts: .*gift/)
    const s = await k.waitingAt(small, 'delivery', 'delivered')
    expect(s.order.attributes.gift).toBeUndefined()
    expect(s.order.attributes.pack.inserts).not.toContain('gift')
  })

  it('out of stock → backorder email → restock through the API → ships', async () => {
    const sku = 'D-CLCK-01'
    await k.adjust(sku, { onHand: 0 })
    const id = await k.place([{ sku, quantity: 2, unitPrice: '89.00' }])
    const waiting = await k.waitingAt(id, 'backorder', 'restocked')
    expect(waiting.order.status).toBe('backordered')
    expect(k.step(waiting, 'stock')?.port).toBe('outOfStock')
    expect(await k.templates(id)).toContain('backorder-notice')
    const backorders = await k.h.db.selectFrom('backorders').selectAll().where('order_id', '=', id).execute()
    expect(backorders).toMatchObject([{ sku, quantity: 2, status: 'open' }])
    expect(await k.reservations(id)).toEqual([])

    const adj = await k.adjust(sku, { delta: 5 })
    expect(adj.backorderedOrders).toEqual([id])
    await k.waitingAt(id, 'pick')
    expect(await k.reservations(id)).toEqual([{ sku, quantity: 2, status: 'reserved' }])
    await k.pickOrders([id])
    const d = await k.waitingAt(id, 'delivery', 'delivered')
    expect(k.ports(d).slice(0, 9)).toEqual([
      'receive:next',
      'confirm:sent',
      'pay:paid',
      'rules:next',
      'stock:outOfStock',
      'backorder:event',
      'stock:inStock',
      'pick:picked',
      'pack:packed',
    ])
    expect(d.order.status).toBe('shipped')
    expect(await k.shipmentsOf(id)).toHaveLength(1)
    expect(
      await k.h.db.selectFrom('backorders').select('status').where('order_id', '=', id).execute(),
    ).toEqual([{ status: 'fulfilled' }])
    expect(await k.templates(id)).toEqual(['order-confirmation', 'backorder-notice', 'shipped'])
    expect(await k.inventory(sku)).toEqual({ on_hand: 3, reserved: 0 })
  })
})
