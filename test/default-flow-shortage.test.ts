import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DefaultFlowKit, setupDefaultFlowHarness } from './default-flow-helpers.ts'
import { eventually } from './harness.ts'

/**
 * The check-stock `onShortage` variants of the seeded default flow: the default flow exported,
 * its check-stock config changed (and nothing else), imported under a new id and published, as a
 * merchant would in the editor. The expectations are issue 3's: partial shipment ships what is
 * reserved now and backorders the rest; dropship orders the missing lines from the supplier and
 * ships the rest; cancel releases, refunds, emails and ends the order.
 */
let k: DefaultFlowKit
beforeAll(async () => {
  k = await setupDefaultFlowHarness()
  await k.publishVariant('default-partial', { onShortage: 'partial' })
  await k.publishVariant('default-dropship', { onShortage: 'dropship' })
  await k.publishVariant('default-cancel', { onShortage: 'cancel' })
})
afterAll(async () => k?.h.close())

describe('default flow: shortage variants', () => {
  it('the variants are the default flow with only the check-stock config changed', async () => {
    const base = (await k.h.api('GET', '/api/flows/default/export')).body.graph
    for (const [id, mode] of [
      ['default-partial', 'partial'],
      ['default-dropship', 'dropship'],
      ['default-cancel', 'cancel'],
    ]) {
      const graph = (await k.h.api('GET', `/api/flows/${id}/export`)).body.graph
      expect(graph.edges).toEqual(base.edges)
      expect(graph.nodes.find((n: { id: string }) => n.id === 'stock').config).toMatchObject({ onShortage: mode })
    }
  })

  it('cancel: releases the reservation, refunds in full, emails the customer and ends the order cancelled', async () => {
    await k.adjust('D-LAMP-01', { onHand: 0 })
    const pens = await k.inventory('A-PEN-01')
    const id = await k.place(
      [
        { sku: 'D-LAMP-01', quantity: 1, unitPrice: '149.00' },
        { sku: 'A-PEN-01', quantity: 1, unitPrice: '24.00' },
      ],
      { flowId: 'default-cancel' },
    )
    const d = await k.settledAfter(id, 'stock')
    expect(k.step(d, 'stock')?.output).toMatchObject({ cancelled: true, refund: { status: 'refunded' } })
    expect(d.order.status).toBe('cancelled')
    expect(await k.templates(id)).toEqual(['order-confirmation', 'order-cancelled'])
    expect(await k.refunds(id)).toMatchObject([{ amount: '177.90', status: 'refunded' }])
    // the pen reserved a moment before is back on the shelf
    expect(await k.reservations(id)).toEqual([{ sku: 'A-PEN-01', quantity: 1, status: 'released' }])
    expect(await k.inventory('A-PEN-01')).toEqual(pens)
    expect(await k.shipmentsOf(id)).toEqual([])
    // a cancelled order is finished: its run must not sit waiting for a restock that no
    // backorder will ever announce
    const open = d.steps.filter((s) => s.status === 'waiting').map((s) => s.nodeId)
    expect(open, `run ${d.run.status}, open steps: ${open.join(', ')}; ports ${k.ports(d).join(' ')}`).toEqual([])
    expect(d.run.status).toBe('completed')
    expect(d.order.status).toBe('cancelled')
  })

  it('dropship: a supplier order and email for the missing line; the line in stock ships', async () => {
    await k.adjust('D-SPKR-01', { onHand: 0 })
    const id = await k.place(
      [
        { sku: 'D-SPKR-01', quantity: 1, unitPrice: '199.00' },
        { sku: 'A-KEYR-01', quantity: 2, unitPrice: '9.00' },
      ],
      { flowId: 'default-dropship' },
    )
    const d = await k.settledAfter(id, 'stock')
    expect(k.step(d, 'stock')?.output).toMatchObject({ short: [{ sku: 'D-SPKR-01', quantity: 1 }] })
    const supplier = await k.h.db.selectFrom('supplier_orders').selectAll().where('order_id', '=', id).execute()
    expect(supplier).toMatchObject([
      { supplier: 'Default supplier', supplier_email: 'orders@supplier.example', lines: [{ sku: 'D-SPKR-01', quantity: 1 }] },
    ])
    expect((await k.emails(id)).map((m) => `${m.template}:${m.to}`)).toContain(
      'dropship-supplier-order:orders@supplier.example',
    )
    expect(d.order.attributes.dropship).toMatchObject({ supplierOrderId: supplier[0]!.id })
    expect(await k.reservations(id)).toEqual([{ sku: 'A-KEYR-01', quantity: 2, status: 'reserved' }])
    // the supplier ships the speaker; the warehouse ships the key rings: the order goes on to pick
    const next = d.steps.filter((s) => s.status === 'waiting').map((s) => s.nodeId)
    expect(next, `open steps after dropship: ${next.join(', ')}; ports ${k.ports(d).join(' ')}`).toEqual(['pick'])
    await k.pickOrders([id])
    const shipped = await k.waitingAt(id, 'delivery', 'delivered')
    expect(shipped.order.status).toBe('shipped')
    expect(k.step(shipped, 'ship')?.output.lines).toEqual([{ sku: 'A-KEYR-01', quantity: 2 }])
    expect(await k.templates(id)).toContain('shipped')
  })

  it('partial shipment: ships what is reserved now, backorders the rest, ships the rest on restock', async () => {
    await k.adjust('D-STOL-01', { onHand: 2 })
    const id = await k.place([{ sku: 'D-STOL-01', quantity: 3, unitPrice: '129.00' }], { flowId: 'default-partial' })
    const d = await k.settledAfter(id, 'stock')
    expect(k.step(d, 'stock')?.output).toMatchObject({ short: [{ sku: 'D-STOL-01', quantity: 1 }] })
    expect(await k.reservations(id)).toEqual([{ sku: 'D-STOL-01', quantity: 2, status: 'reserved' }])
    expect(await k.inventory('D-STOL-01')).toEqual({ on_hand: 2, reserved: 2 })
    expect(await k.h.db.selectFrom('backorders').select(['sku', 'quantity', 'status']).where('order_id', '=', id).execute()).toEqual([
      { sku: 'D-STOL-01', quantity: 1, status: 'open' },
    ])
    expect(await k.templates(id)).toContain('backorder-notice')
    // "ship what is reserved now": the two stools go to picking without waiting for the third
    const waiting = d.steps.filter((s) => s.status === 'waiting').map((s) => s.nodeId)
    expect(waiting, `open steps after a partial reservation: ${waiting.join(', ')}; ports ${k.ports(d).join(' ')}`).toContain('pick')
    await k.pickOrders([id])
    const first = await k.waitingAt(id, 'delivery', 'delivered')
    expect(k.step(first, 'ship')?.output.lines).toEqual([{ sku: 'D-STOL-01', quantity: 2 }])
    expect(await k.shipmentsOf(id)).toHaveLength(1)
    expect(await k.inventory('D-STOL-01')).toEqual({ on_hand: 0, reserved: 0 })
    // the third stool ships when it is restocked, as a second shipment
    const adj = await k.adjust('D-STOL-01', { delta: 4 })
    expect(adj.backorderedOrders).toEqual([id])
    await k.pickOrders([id])
    const second = await eventually(
      async () => {
        const d = await k.detail(id)
        return k.step(d, 'ship', 2)?.status === 'completed' && d
      },
      15_000,
      'second shipment',
    )
    expect(k.step(second, 'ship', 2)?.output.lines).toEqual([{ sku: 'D-STOL-01', quantity: 1 }])
    expect(await k.shipmentsOf(id)).toHaveLength(2)
    expect(await k.inventory('D-STOL-01')).toEqual({ on_hand: 3, reserved: 0 })
    expect(await k.h.db.selectFrom('backorders').select('status').where('order_id', '=', id).execute()).toEqual([
      { status: 'fulfilled' },
    ])
  })
})
