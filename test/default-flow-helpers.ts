import { expect } from 'vitest'
import { createHarness, eventually, type Harness, sampleOrder, TestClock } from './harness.ts'

/**
 * Shared helpers for the default-flow acceptance tests (test/default-flow*.test.ts): a harness
 * with a running worker and a TestClock, and small API-level steps (place an order, wait for a
 * step, pick through the pick-list API, deliver, read the outbox) so each test reads as the
 * branch of the seeded default flow it walks.
 */

export const MINUTE = 60_000
export const DAY = 86_400_000

interface Step {
  id: number
  nodeId: string
  nodeType: string
  visit: number
  status: string
  port: string | null
  output: any
  error: string | null
  waitEvents: string[] | null
  waitUntil: string | null
}
export interface Detail {
  order: any
  run: { id: number; flowId: string; flowVersion: number; status: string; error: string | null }
  steps: Step[]
  events: any[]
  emails: { template: string; to: string; subject: string }[]
}

export type Line = { sku: string; quantity: number; unitPrice: string }

let seq = 0
/** A customer email of its own per order, so customer-history rules (first order, loyalty) are predictable. */
export const freshEmail = (tag: string) => `${tag}-${process.pid}-${Date.now()}-${++seq}@example.com`

/** Totals consistent with the lines (shipping 4.90), as a shop would send them. */
export function totalsFor(lines: Line[], shipping = '4.90') {
  const cents = lines.reduce((s, l) => s + Math.round(Number(l.unitPrice) * 100) * l.quantity, 0)
  const ship = Math.round(Number(shipping) * 100)
  const fmt = (c: number) => (c / 100).toFixed(2)
  return { subtotal: fmt(cents), shipping: fmt(ship), tax: '0.00', total: fmt(cents + ship) }
}

export async function setupDefaultFlowHarness() {
  const clock = new TestClock()
  const h: Harness = await createHarness({ clock })
  await h.worker()

  const detail = async (id: number): Promise<Detail> => {
    const r = await h.api('GET', `/api/orders/${id}`)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return r.body
  }
  const failIfBroken = (d: Detail) => {
    if (d.run.status === 'failed') throw new Error(`run failed: ${d.run.error}`)
  }

  /** Places an order through the API; no flowId means the seeded default flow. */
  async function place(lines: Line[], overrides: Record<string, unknown> = {}) {
    const body = sampleOrder({
      lines,
      totals: totalsFor(lines),
      customer: { email: freshEmail('customer'), name: 'Ada Lovelace' },
      ...overrides,
    })
    const res = await h.api('POST', '/api/orders', body)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.id as number
  }

  /** Waits until the order's latest visit of `nodeId` is waiting (optionally for a given event). */
  const waitingAt = (id: number, nodeId: string, event?: string, timeoutMs = 15_000) =>
    eventually(
      async () => {
        const d = await detail(id)
        failIfBroken(d)
        const last = d.steps.filter((s) => s.nodeId === nodeId).at(-1)
        return (
          last?.status === 'waiting' &&
          (event === undefined || (last.waitEvents ?? []).includes(event)) &&
          d.run.status !== 'running' &&
          d
        )
      },
      timeoutMs,
      `order ${id} waiting at ${nodeId}${event ? ` for ${event}` : ''}`,
    )

  /** Waits until the run has finished (completed, or failed: returned, not thrown). */
  const finished = (id: number, timeoutMs = 15_000) =>
    eventually(
      async () => {
        const d = await detail(id)
        return (d.run.status === 'completed' || d.run.status === 'failed') && d
      },
      timeoutMs,
      `order ${id} run finished`,
    )

  /**
   * Waits until the run has no pending or running step (finished, or every open step waits) and
   * `nodeId` has completed at least once: where a branch came to rest, stuck or not.
   */
  const settledAfter = (id: number, nodeId: string, timeoutMs = 15_000) =>
    eventually(
      async () => {
        const d = await detail(id)
        failIfBroken(d)
        return (
          d.run.status !== 'running' &&
          d.steps.some((s) => s.nodeId === nodeId && s.status === 'completed') &&
          d
        )
      },
      timeoutMs,
      `order ${id} settled after ${nodeId}`,
    )

  const ports = (d: Detail) => d.steps.map((s) => `${s.nodeId}:${s.port}`)
  const step = (d: Detail, nodeId: string, visit = 1) =>
    d.steps.find((s) => s.nodeId === nodeId && s.visit === visit)

  const event = async (id: number, type: string, data: Record<string, unknown> = {}) => {
    const r = await h.api('POST', `/api/orders/${id}/events`, { type, data })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body
  }

  /** The outbox for an order, oldest first, as `template:to`. */
  const emails = async (id: number) => {
    const r = await h.api('GET', `/api/emails?orderId=${id}`)
    expect(r.status).toBe(200)
    return (r.body.emails as { template: string; to: string; text: string; subject: string }[]).reverse()
  }
  const templates = async (id: number) => (await emails(id)).map((m) => m.template)

  const inventory = async (sku: string) => {
    const r = await h.api('GET', `/api/products/${sku}`)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return h.db.selectFrom('inventory').select(['on_hand', 'reserved']).where('sku', '=', sku).executeTakeFirstOrThrow()
  }
  const adjust = async (sku: string, change: { delta: number } | { onHand: number }) => {
    const r = await h.api('POST', `/api/inventory/${sku}/adjust`, change)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return r.body as { restocked: number; backorderedOrders: number[]; after: { onHand: number; reserved: number } }
  }

  /** Pick lists (from the DB) that hold lines of these orders and are not yet packed. */
  const listsOf = async (ids: number[]) =>
    h.db
      .selectFrom('pick_lists')
      .selectAll()
      .where('id', 'in', (eb) =>
        eb.selectFrom('pick_list_lines').select('pick_list_id').where('order_id', 'in', ids).where('packed_at', 'is', null),
      )
      .orderBy('id')
      .execute()

  /**
   * Picks these orders the way the floor does: each order waits at `pick`; an open batch is
   * released by moving the clock past its window (batchWindowMinutes 15); then every released
   * list holding them is confirmed through POST /api/pick-lists/:id/confirm with exactly what it
   * asks for, in the order GET /api/pick-lists hands them to pickers. Returns the confirmed list ids
   * in that order.
   */
  async function pickOrders(ids: number[]): Promise<number[]> {
    for (const id of ids) await waitingAt(id, 'pick')
    if ((await listsOf(ids)).some((l) => l.status === 'open')) {
      await h.advance(16 * MINUTE)
      await eventually(async () => (await listsOf(ids)).every((l) => l.status !== 'open'), 15_000, 'batch released')
    }
    const queue = await h.api('GET', '/api/pick-lists?status=released')
    expect(queue.status).toBe(200)
    const ours = (queue.body.pickLists as { id: number; lines: { orderId: number; sku: string; quantity: number }[] }[]).filter(
      (l) => l.lines.some((x) => ids.includes(x.orderId)),
    )
    for (const list of ours) {
      const scanned = list.lines.map((x) => ({ sku: x.sku, quantity: x.quantity }))
      const r = await h.api('POST', `/api/pick-lists/${list.id}/confirm`, { scanned })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(r.body.errors).toEqual([])
    }
    return ours.map((l) => l.id)
  }

  const shipmentsOf = (id: number) =>
    h.db.selectFrom('shipments').selectAll().where('order_id', '=', id).orderBy('id').execute()

  /** The carrier's webhook says delivered (dated by the test clock, as the carrier would date it). */
  async function deliver(id: number) {
    await waitingAt(id, 'delivery', 'delivered')
    const [shipment] = await shipmentsOf(id)
    const r = await h.api('POST', '/api/carrier/events', {
      trackingNumber: shipment!.tracking_number,
      type: 'delivered',
      at: clock.now().toISOString(),
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body).toMatchObject({ orderId: id, status: 'delivered' })
  }

  /** Publishes a copy of the seeded default flow (export → edit the check-stock config → import → publish). */
  async function publishVariant(id: string, stockConfig: Record<string, unknown>) {
    const exported = await h.api('GET', '/api/flows/default/export')
    expect(exported.status, JSON.stringify(exported.body)).toBe(200)
    const doc = structuredClone(exported.body)
    const stock = doc.graph.nodes.find((n: { type: string }) => n.type === 'check-stock')
    stock.config = { ...stock.config, ...stockConfig }
    const imported = await h.api('POST', '/api/flows/import', { ...doc, id, name: `Default with ${JSON.stringify(stockConfig)}` })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const published = await h.api('POST', `/api/flows/${id}/publish`, { note: 'test variant' })
    expect(published.status, JSON.stringify(published.body)).toBe(201)
  }

  const payments = (id: number) => h.db.selectFrom('payments').selectAll().where('order_id', '=', id).execute()
  const refunds = (id: number) => h.db.selectFrom('refunds').selectAll().where('order_id', '=', id).execute()
  const reservations = (id: number) =>
    h.db.selectFrom('reservations').select(['sku', 'quantity', 'status']).where('order_id', '=', id).orderBy('id').execute()

  return {
    h,
    clock,
    detail,
    place,
    waitingAt,
    finished,
    settledAfter,
    ports,
    step,
    event,
    emails,
    templates,
    inventory,
    adjust,
    listsOf,
    pickOrders,
    shipmentsOf,
    deliver,
    publishVariant,
    payments,
    refunds,
    reservations,
  }
}

export type DefaultFlowKit = Awaited<ReturnType<typeof setupDefaultFlowHarness>>
