import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeDefinition } from '../engine/node-contract.ts'
import { seedCatalogue } from '../engine/seed/catalogue.ts'
import { createHarness, eventually, type Harness, sampleOrder } from '../test/harness.ts'
import { awaitDelivery } from './await-delivery.ts'
import { checkStock } from './check-stock.ts'
import { followUp } from './follow-up.ts'
import { getNodeType, registerNodeType } from './index.ts'
import { pack } from './pack.ts'
import { pay } from './pay.ts'
import { pick } from './pick.ts'
import { returnNode } from './return.ts'
import { ship } from './ship.ts'

/** The order-process nodes end to end, through the real runner, API and worker. */
const n = (id: string, type: string, config: Record<string, unknown> = {}) => ({
  id,
  type,
  config,
  position: { x: 0, y: 0 },
})
const e = (source: string, sourceHandle: string, target: string) => ({ source, sourceHandle, target })
const flow = {
  nodes: [
    n('in', 'receive'),
    n('pay', 'pay'),
    n('stock', 'check-stock', { onShortage: 'backorder' }),
    n('backorder', 'wait', { events: ['restocked'] }),
    n('pick', 'pick', { strategy: 'single', autoConfirm: true }),
    n('pack', 'pack'),
    n('ship', 'ship'),
    n('delivery', 'await-delivery'),
    n('follow', 'follow-up', { delayDays: 0 }),
    n('return', 'return'),
    n('done', 'end'),
    n('failed', 'end', { status: 'payment_failed' }),
  ],
  edges: [
    e('in', 'next', 'pay'),
    e('pay', 'paid', 'stock'),
    e('pay', 'failed', 'failed'),
    e('stock', 'inStock', 'pick'),
    e('stock', 'partial', 'backorder'),
    e('stock', 'outOfStock', 'backorder'),
    e('backorder', 'event', 'stock'),
    e('pick', 'picked', 'pack'),
    e('pack', 'packed', 'ship'),
    e('pack', 'mismatch', 'done'),
    e('ship', 'shipped', 'delivery'),
    e('delivery', 'delivered', 'follow'),
    e('delivery', 'late', 'follow'),
    e('follow', 'positive', 'return'),
    e('follow', 'negative', 'return'),
    e('follow', 'noResponse', 'return'),
    e('return', 'refunded', 'done'),
    e('return', 'rejected', 'done'),
    e('return', 'noReturn', 'done'),
  ],
}

/** receive → pay → check-stock (shortage: `mode`) → pick (batch of 3, auto-confirm) → pack → ship → end */
const shortFlow = (mode: string) => ({
  nodes: [
    n('in', 'receive'),
    n('pay', 'pay'),
    n('stock', 'check-stock', { onShortage: mode }),
    n('pick', 'pick', { strategy: 'batch', batchSize: 3, autoConfirm: true, pollMinutes: 10 }),
    n('pack', 'pack'),
    n('ship', 'ship'),
    n('done', 'end'),
    n('gone', 'end', { status: 'cancelled' }),
  ],
  edges: [
    e('in', 'next', 'pay'),
    e('pay', 'paid', 'stock'),
    e('pay', 'failed', 'gone'),
    e('stock', 'inStock', 'pick'),
    e('stock', 'partial', 'pick'),
    e('stock', 'outOfStock', 'done'),
    e('stock', 'cancelled', 'gone'),
    e('stock', 'dropshipped', 'done'),
    e('pick', 'picked', 'pack'),
    e('pack', 'packed', 'ship'),
    e('pack', 'mismatch', 'done'),
    e('ship', 'shipped', 'done'),
  ],
})

let h: Harness
async function publish(id: string, graph: unknown) {
  const created = await h.api('POST', '/api/flows', { id, name: id, graph })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const published = await h.api('POST', `/api/flows/${id}/publish`, { note: 'test' })
  expect(published.status, JSON.stringify(published.body)).toBe(201)
}
beforeAll(async () => {
  for (const def of [pay, checkStock, pick, pack, ship, awaitDelivery, followUp, returnNode]) {
    if (!getNodeType(def.type)) registerNodeType(def as NodeDefinition)
  }
  h = await createHarness()
  await seedCatalogue(h.db)
  await publish('process', flow)
  for (const mode of ['cancel', 'dropship', 'partial']) await publish(mode, shortFlow(mode))
  await h.worker()
})
afterAll(async () => h?.close())

const detail = async (id: number) => (await h.api('GET', `/api/orders/${id}`)).body
const waitingAt = (id: number, nodeId: string) =>
  eventually(
    async () => {
      const d = await detail(id)
      if (d.run.status === 'failed') throw new Error(`run failed: ${d.run.error}`)
      return (
        d.steps.some(
          (s: { nodeId: string; status: string }) => s.nodeId === nodeId && s.status === 'waiting',
        ) && d
      )
    },
    15_000,
    `order ${id} waiting at ${nodeId}`,
  )
const event = async (id: number, type: string, data: Record<string, unknown> = {}) => {
  const r = await h.api('POST', `/api/orders/${id}/events`, { type, data })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
}
async function place(
  lines: { sku: string; quantity: number; unitPrice: string }[],
  overrides: Record<string, unknown> = {},
) {
  const res = await h.api('POST', '/api/orders', sampleOrder({ flowId: 'process', lines, ...overrides }))
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as number
}

describe('order process end to end', () => {
  it('paid, in stock, picked, packed, shipped, delivered, reviewed, returned and refunded', async () => {
    const id = await place([{ sku: 'B-MUG-01', quantity: 2, unitPrice: '15.00' }], {
      totals: { subtotal: '30.00', shipping: '0.00', tax: '0.00', total: '30.00' },
    })
    const atDelivery = await waitingAt(id, 'delivery')
    expect(atDelivery.order.status).toBe('shipped')
    const shipStep = atDelivery.steps.find((s: { nodeId: string }) => s.nodeId === 'ship')
    expect(shipStep.output).toMatchObject({
      service: 'standard',
      trackingNumber: expect.stringMatching(/^SPS/),
    })
    await event(id, 'delivered')
    await waitingAt(id, 'follow')
    await event(id, 'feedback', { rating: 2, comment: 'chipped' })
    await waitingAt(id, 'return')
    await event(id, 'return_requested', { lines: [{ sku: 'B-MUG-01', quantity: 1 }], reason: 'damaged' })
    await eventually(
      async () =>
        (await detail(id)).steps.some(
          (s: { nodeId: string; status: string; waitEvents?: string[] }) =>
            s.nodeId === 'return' && s.status === 'waiting' && s.waitEvents?.includes('return_received'),
        ),
      15_000,
      'approved return',
    )
    await event(id, 'return_received', { condition: 'damaged' })
    const done = await eventually(
      async () => {
        const d = await detail(id)
        return d.run.status === 'completed' && d
      },
      15_000,
      'run completed',
    )
    expect(done.steps.map((s: { nodeId: string; port: string | null }) => [s.nodeId, s.port])).toEqual([
      ['in', 'next'],
      ['pay', 'paid'],
      ['stock', 'inStock'],
      ['pick', 'picked'],
      ['pack', 'packed'],
      ['ship', 'shipped'],
      ['delivery', 'delivered'],
      ['follow', 'negative'],
      ['return', 'refunded'],
      ['done', null],
    ])
    const templates = (await h.api('GET', `/api/emails?orderId=${id}`)).body.emails.map(
      (m: { template: string }) => m.template,
    )
    expect(templates).toEqual(
      expect.arrayContaining([
        'shipped',
        'review-request',
        'support-alert',
        'return-approved',
        'refund-issued',
      ]),
    )
    const refund = await h.db
      .selectFrom('refunds')
      .select('amount')
      .where('order_id', '=', id)
      .executeTakeFirstOrThrow()
    expect(refund.amount).toBe('15.00')
  })

  it('out of stock → backorder → restocked → ships', async () => {
    await h.db
      .updateTable('inventory')
      .set({ on_hand: 0, reserved: 0 })
      .where('sku', '=', 'D-COFM-01')
      .execute()
    const id = await place([{ sku: 'D-COFM-01', quantity: 1, unitPrice: '449.00' }])
    await waitingAt(id, 'backorder')
    await h.db.updateTable('inventory').set({ on_hand: 3 }).where('sku', '=', 'D-COFM-01').execute()
    await event(id, 'restocked', { sku: 'D-COFM-01' })
    const d = await waitingAt(id, 'delivery')
    expect(
      d.steps.map((s: { nodeId: string; port: string | null }) => [s.nodeId, s.port]).slice(2, 5),
    ).toEqual([
      ['stock', 'outOfStock'],
      ['backorder', 'event'],
      ['stock', 'inStock'],
    ])
  })

  it('a declined card ends on payment failed; express ships express', async () => {
    const declined = await place([{ sku: 'A-SOAP-01', quantity: 1, unitPrice: '6.50' }], {
      payment: { card: '4000000000000002' },
    })
    await eventually(
      async () => (await detail(declined)).order.status === 'payment_failed',
      15_000,
      'payment failed',
    )
    const express = await place([{ sku: 'A-SOAP-01', quantity: 1, unitPrice: '6.50' }], {
      shippingMethod: 'express',
    })
    const d = await waitingAt(express, 'delivery')
    expect(d.steps.find((s: { nodeId: string }) => s.nodeId === 'ship').output).toMatchObject({
      service: 'express',
    })
  })

  const finished = (id: number) =>
    eventually(
      async () => {
        const d = await detail(id)
        if (d.run.status === 'failed') throw new Error(`run failed: ${d.run.error}`)
        return d.run.status === 'completed' && d
      },
      15_000,
      `order ${id} completed`,
    )
  const ports = (d: { steps: { nodeId: string; port: string | null }[] }) =>
    d.steps.map((s) => `${s.nodeId}:${s.port}`)
  const emails = async (id: number) =>
    (await h.api('GET', `/api/emails?orderId=${id}`)).body.emails.map(
      (m: { template: string; to: string }) => `${m.template}:${m.to}`,
    )

  it('cancel with refund; dropship with a supplier email; partial shipment; batch of three picked together', async () => {
    await h.db
      .updateTable('inventory')
      .set({ on_hand: 2, reserved: 0 })
      .where('sku', '=', 'D-MIRR-01')
      .execute()
    await h.db
      .updateTable('inventory')
      .set({ on_hand: 0, reserved: 0 })
      .where('sku', '=', 'D-BIKE-01')
      .execute()
    const cancelled = await place([{ sku: 'D-BIKE-01', quantity: 1, unitPrice: '2490.00' }], {
      flowId: 'cancel',
    })
    const dropship = await place(
      [
        { sku: 'D-BIKE-01', quantity: 1, unitPrice: '2490.00' },
        { sku: 'A-PEN-01', quantity: 1, unitPrice: '24.00' },
      ],
      { flowId: 'dropship' },
    )
    const partial = await place([{ sku: 'D-MIRR-01', quantity: 3, unitPrice: '179.00' }], {
      flowId: 'partial',
    })
    const c = await finished(cancelled)
    expect(ports(c)).toEqual(['in:next', 'pay:paid', 'stock:cancelled', 'gone:null'])
    expect(c.order.status).toBe('cancelled')
    expect(await emails(cancelled)).toEqual(['order-cancelled:ada@example.com'])
    expect(
      (
        await h.db
          .selectFrom('refunds')
          .select('amount')
          .where('order_id', '=', cancelled)
          .executeTakeFirstOrThrow()
      ).amount,
    ).toBe('29.90')
    // the dropship and partial orders and this one fill the same batch (batchSize 3)
    const third = await place([{ sku: 'A-PEN-01', quantity: 1, unitPrice: '24.00' }], { flowId: 'dropship' })
    const [d, p, t3] = await Promise.all([finished(dropship), finished(partial), finished(third)])
    expect(ports(d)).toEqual([
      'in:next',
      'pay:paid',
      'stock:inStock',
      'pick:picked',
      'pack:packed',
      'ship:shipped',
      'done:null',
    ])
    expect(await emails(dropship)).toEqual(
      expect.arrayContaining(['dropship-supplier-order:orders@supplier.example', 'shipped:ada@example.com']),
    )
    expect(ports(p)).toEqual([
      'in:next',
      'pay:paid',
      'stock:partial',
      'pick:picked',
      'pack:packed',
      'ship:shipped',
      'done:null',
    ])
    expect(await emails(partial)).toEqual(
      expect.arrayContaining(['backorder-notice:ada@example.com', 'shipped:ada@example.com']),
    )
    const mirror = await h.db
      .selectFrom('inventory')
      .select(['on_hand', 'reserved'])
      .where('sku', '=', 'D-MIRR-01')
      .executeTakeFirstOrThrow()
    expect(mirror).toEqual({ on_hand: 0, reserved: 0 })
    expect(ports(t3)).toContain('pick:picked')
    const lists = await h.db
      .selectFrom('pick_list_lines')
      .select('pick_list_id')
      .distinct()
      .where('order_id', 'in', [dropship, partial, third])
      .execute()
    expect(lists).toHaveLength(1)
  })
})
