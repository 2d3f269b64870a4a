import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.ts'
import { rollupKpiFacts } from './kpi-rollup.ts'
import { kpis } from './kpis.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const FROM = new Date('2025-03-01T00:00:00Z')
const TO = new Date('2025-03-03T00:00:00Z')
const at = (ms: number) => new Date(FROM.getTime() + ms)

let h: Harness

interface OrderSpec {
  customer: string
  placed: number
  channel?: string
  flow?: string
  lines: [sku: string, quantity: number][]
  payments?: ('captured' | 'failed')[]
  reserved?: boolean
  backordered?: boolean
  picked?: boolean
  pickError?: boolean
  shipment?: { service: 'standard' | 'express'; booked: number; delivered?: number }
  returns?: { lines: [string, number][]; reason: string; status?: string }[]
}

let seq = 0
async function order(s: OrderSpec) {
  const n = ++seq
  const db = h.db
  const c = await db
    .insertInto('customers')
    .values({ email: `${s.customer}@example.com` })
    .onConflict((oc) => oc.column('email').doUpdateSet({ name: '' }))
    .returning('id')
    .executeTakeFirstOrThrow()
  const placed = at(s.placed)
  const o = await sql<{
    id: number
  }>`insert into orders (channel, external_id, customer_id, currency, shipping_address, shipping_method, payment_method, subtotal, shipping_total, tax_total, total, placed_at)
    values (${s.channel ?? 'web'}, ${`k-${n}`}, ${c.id}, 'EUR', '{}', 'standard', 'card', 10, 0, 0, 10, ${placed}) returning id`.execute(
    db,
  )
  const id = o.rows[0]!.id
  await db
    .insertInto('runs')
    .values({ order_id: id, flow_id: s.flow ?? 'k', flow_version: 1, status: 'completed' })
    .execute()
  await db
    .insertInto('order_lines')
    .values(
      s.lines.map(([sku, quantity], i) => ({
        order_id: id,
        line_no: i + 1,
        sku,
        quantity,
        unit_price: '5.00',
      })),
    )
    .execute()
  for (const [i, status] of (s.payments ?? []).entries()) {
    await db
      .insertInto('payments')
      .values({
        order_id: id,
        idempotency_key: `p-${n}-${i}`,
        provider: 'sim',
        method: 'card',
        amount: '10.00',
        currency: 'EUR',
        status,
        captured_at: status === 'captured' ? placed : null,
      })
      .execute()
  }
  if (s.reserved)
    await db
      .insertInto('reservations')
      .values({ order_id: id, sku: s.lines[0]![0], quantity: 1, status: 'consumed' })
      .execute()
  if (s.backordered)
    await db
      .insertInto('backorders')
      .values({ order_id: id, sku: s.lines[0]![0], quantity: 1, status: 'fulfilled' })
      .execute()
  if (s.picked) {
    const list = await db
      .insertInto('pick_lists')
      .values({ strategy: 'single', status: 'picked', released_at: placed, picked_at: placed })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('pick_list_lines')
      .values({
        pick_list_id: list.id,
        order_id: id,
        sku: s.lines[0]![0],
        zone: 'A',
        bin: 'A-01-01',
        quantity: 1,
        picked_quantity: s.pickError ? 0 : 1,
      })
      .execute()
    if (s.pickError)
      await db
        .insertInto('pick_errors')
        .values({
          pick_list_id: list.id,
          order_id: id,
          sku: s.lines[0]![0],
          expected: 1,
          actual: 0,
          kind: 'short',
        })
        .execute()
  }
  if (s.shipment) {
    const { service, booked, delivered } = s.shipment
    await db
      .insertInto('shipments')
      .values({
        order_id: id,
        idempotency_key: `s-${n}`,
        carrier: 'SimPost',
        service,
        tracking_number: `T${n}`,
        tracking_url: 'https://t',
        label_svg: '<svg/>',
        parcels: '[]',
        status: delivered === undefined ? 'in_transit' : 'delivered',
        booked_at: at(s.placed + booked),
        delivered_at: delivered === undefined ? null : at(s.placed + delivered),
      })
      .execute()
  }
  for (const r of s.returns ?? []) {
    await db
      .insertInto('returns')
      .values({
        order_id: id,
        lines: JSON.stringify(r.lines.map(([sku, quantity]) => ({ sku, quantity }))),
        reason: r.reason,
        status: (r.status ?? 'received') as never,
      })
      .execute()
  }
  return id
}

async function email(template: string, ms: number, status = 'stored') {
  await sql`insert into emails (key, template, template_version, to_address, subject, html, text, status, created_at)
    values (${`e-${++seq}`}, ${template}, 1, 'a@example.com', 's', 'h', 't', ${status}, ${at(ms)})`.execute(
    h.db,
  )
}

beforeAll(async () => {
  h = await createHarness({ seed: false })
  const graph = JSON.stringify({ nodes: [], edges: [] })
  for (const id of ['k', 'other']) {
    await h.db.insertInto('flows').values({ id, name: id, draft: graph, active_version: 1 }).execute()
    await h.db
      .insertInto('flow_versions')
      .values({ flow_id: id, version: 1, graph, published_by: 't' })
      .execute()
  }
  await h.db
    .insertInto('products')
    .values(
      ['A', 'B', 'C'].map((sku) => ({
        sku,
        name: sku,
        weight_g: 100,
        length_mm: 10,
        width_mm: 10,
        height_mm: 10,
        zone: 'A',
        bin: 'A-01-01',
        price: '5.00',
      })),
    )
    .execute()
  // day 1
  await order({
    customer: 'c1',
    placed: 1 * HOUR,
    lines: [
      ['A', 2],
      ['B', 1],
    ],
    payments: ['captured'],
    reserved: true,
    picked: true,
    shipment: { service: 'standard', booked: 10 * HOUR, delivered: 48 * HOUR },
    returns: [{ lines: [['A', 1]], reason: 'damaged' }],
  })
  await order({
    customer: 'c1',
    placed: 2 * HOUR,
    lines: [['A', 4]],
    payments: ['failed', 'captured'],
    reserved: true,
    picked: true,
    pickError: true,
    shipment: { service: 'express', booked: 30 * HOUR, delivered: 72 * HOUR },
    returns: [{ lines: [['A', 2]], reason: 'wrong_item' }],
  })
  // day 2
  await order({
    customer: 'c2',
    placed: DAY + HOUR,
    channel: 'shop',
    lines: [['B', 3]],
    payments: ['captured'],
    backordered: true,
    picked: true,
    shipment: { service: 'standard', booked: 40 * HOUR, delivered: 96 * HOUR },
    returns: [
      { lines: [['B', 1]], reason: 'wrong_item', status: 'requested' },
      { lines: [['B', 1]], reason: 'too_small', status: 'rejected' },
    ],
  })
  await order({ customer: 'c3', placed: DAY + 2 * HOUR, lines: [['C', 2]], payments: ['failed'] })
  await order({
    customer: 'c3',
    placed: DAY + 3 * HOUR,
    flow: 'other',
    lines: [['C', 1]],
    payments: ['captured'],
    reserved: true,
    picked: true,
    shipment: { service: 'standard', booked: 60 * HOUR },
  })
  // outside the window: 100 days before (in the purchase-frequency year) and 400 days before (not)
  await order({
    customer: 'c2',
    placed: -100 * DAY,
    lines: [['A', 1]],
    shipment: { service: 'standard', booked: HOUR, delivered: 2 * HOUR },
  })
  await order({ customer: 'c1', placed: -400 * DAY, lines: [['A', 1]] })
  await email('order-confirmation', HOUR)
  await email('order-confirmation', 2 * HOUR)
  await email('order-confirmation', DAY + HOUR)
  await email('shipped', DAY + 5 * HOUR)
  await email('shipped', DAY + 6 * HOUR, 'failed')
  await email('shipped', -DAY)
})
afterAll(async () => h?.close())

const facts = async () =>
  (
    await sql<{
      state: string
      n: number
    }>`select state, count(*)::int as n from order_kpi_facts group by 1 order by 1`.execute(h.db)
  ).rows

// The same expectations twice: first every order's facts computed by the query (nothing rolled up
// yet), then read from order_kpi_facts after the rollup_kpis job filled them in.
describe.each(['computed live', 'rolled up'])('KPIs (facts %s)', (mode) => {
  beforeAll(async () => {
    if (mode === 'computed live') {
      expect(await facts()).toEqual([{ state: 'open', n: 7 }])
      return
    }
    expect(await rollupKpiFacts(h.db)).toEqual({ reopened: 0, claimed: 7, filled: 7, waited: true })
    expect(await facts()).toEqual([{ state: 'filled', n: 7 }])
  })

  it('computes every KPI of the window exactly', async () => {
    const k = await kpis(h.db, { from: FROM, to: TO })
    expect(k.ordersPlaced).toBe(5)
    // shipped orders hold 3 + 4 + 3 + 1 units; returned 1 damaged + 2 + 1 wrong item (the rejected one does not count)
    expect(k.returnRate).toEqual({
      unitsSold: 11,
      unitsReturned: 4,
      rate: 4 / 11,
      byReason: [
        { reason: 'wrong_item', units: 3, rate: 3 / 11, share: 0.75 },
        { reason: 'damaged', units: 1, rate: 1 / 11, share: 0.25 },
      ],
    })
    // four picked orders; one with a pick error (and a wrong-item return), one with a wrong-item return
    expect(k.pickingAccuracy).toEqual({ pickedOrders: 4, ordersWithError: 2, rate: 0.5 })
    // delivered after 48, 72 and 96 hours; p95 = 72 h + 0.9 × 24 h
    expect(k.leadTime).toEqual({
      deliveredOrders: 3,
      meanMs: 72 * HOUR,
      p50Ms: 72 * HOUR,
      p95Ms: 93.6 * HOUR,
    })
    expect(k.backorderRate).toEqual({ stockCheckedOrders: 4, backorderedOrders: 1, rate: 0.25 })
    expect(k.paymentFailureRate).toEqual({ ordersWithPayment: 5, ordersWithFailedPayment: 2, rate: 0.4 })
    // on time: 10 h standard, 40 h standard; late: 30 h express, 60 h standard
    expect(k.onTimeShipRate).toEqual({
      shippedOrders: 4,
      onTime: 2,
      rate: 0.5,
      sla: { standardHours: 48, expressHours: 24 },
    })
    expect(k.emailsPerTemplate).toEqual([
      { template: 'order-confirmation', sent: 3 },
      { template: 'shipped', sent: 1 },
    ])
    // the year before `to`: six orders of three customers
    expect(k.purchaseFrequency).toEqual({
      from: '2024-03-03T00:00:00.000Z',
      to: '2025-03-03T00:00:00.000Z',
      orders: 6,
      customers: 3,
      ordersPerCustomer: 2,
    })
  })

  it('filters by channel and flow, and takes the SLA as an option', async () => {
    const shop = await kpis(h.db, { from: FROM, to: TO, channel: 'shop' })
    expect(shop.ordersPlaced).toBe(1)
    expect(shop.returnRate).toMatchObject({ unitsSold: 3, unitsReturned: 1, rate: 1 / 3 })
    const flow = await kpis(
      h.db,
      { from: FROM, to: TO, flowId: 'k' },
      { sla: { standardHours: 72, expressHours: 36 } },
    )
    expect(flow.ordersPlaced).toBe(4)
    expect(flow.onTimeShipRate).toMatchObject({ shippedOrders: 3, onTime: 3, rate: 1 })
    expect(flow.paymentFailureRate.rate).toBe(0.5)
  })

  it('gives a daily series that matches the totals', async () => {
    const k = await kpis(h.db, { from: FROM, to: TO }, { bucket: 'day' })
    expect(
      k.series!.map((p) => [
        p.start,
        p.ordersPlaced,
        p.unitsSold,
        p.unitsReturned,
        p.paymentFailureRate,
        p.onTimeShipRate,
        p.emailsSent,
      ]),
    ).toEqual([
      ['2025-03-01T00:00:00.000Z', 2, 7, 3, 0.5, 0.5, 2],
      ['2025-03-02T00:00:00.000Z', 3, 4, 1, 1 / 3, 0.5, 2],
    ])
    expect(k.series![0]!.leadTimeP50Ms).toBe(60 * HOUR)
  })

  it('answers GET /api/kpis for analysts with nulls where nothing can be measured', async () => {
    const analyst = await h.tokenFor('analyst')
    const res = await h.api(
      'GET',
      '/api/kpis?from=2025-03-01&to=2025-03-03&channel=shop&bucket=week',
      undefined,
      analyst,
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      channel: 'shop',
      ordersPlaced: 1,
      backorderRate: { rate: 1 },
      series: [{ start: '2025-02-24T00:00:00.000Z', ordersPlaced: 1 }],
    })
    const empty = await h.api('GET', '/api/kpis?from=2030-01-01&to=2030-02-01', undefined, analyst)
    expect(empty.body).toMatchObject({
      ordersPlaced: 0,
      returnRate: { rate: null, byReason: [] },
      leadTime: { meanMs: null, p50Ms: null },
      onTimeShipRate: { rate: null },
    })
    expect((await h.api('GET', '/api/kpis', undefined, await h.tokenFor('warehouse'))).status).toBe(403)
    expect((await h.api('GET', '/api/kpis?bucket=year')).status).toBe(400)
  })
})
