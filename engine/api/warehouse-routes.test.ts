import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { addToPickLists } from '../warehouse/pick-lists.ts'
import { addOrder } from '../warehouse/testing.ts'
import { createApp } from './app.ts'
import { createToken } from './tokens-store.ts'

const t = await createTestDb()
afterAll(() => t.close())

// the real app: routes, role guards and error rendering as in production
const app = createApp({ db: t.db, log: pino({ level: 'silent' }) })
const { token } = await createToken(t.db, 'test admin', 'admin')
async function call(method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const type = res.headers.get('content-type') ?? ''
  return { status: res.status, type, body: type.includes('json') ? await res.json() : await res.text() }
}
const vase = {
  sku: 'VASE-1',
  name: 'Glass vase',
  weightG: 1200,
  lengthMm: 200,
  widthMm: 200,
  heightMm: 300,
  fragile: true,
  zone: 'B',
  bin: 'B-03-02',
  price: '39.90',
  onHand: 5,
}

describe('product and inventory routes', () => {
  it('creates, reads, lists and updates a product with its stock', async () => {
    const created = await call('POST', '/api/products', vase)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      sku: 'VASE-1',
      fragile: true,
      price: '39.90',
      onHand: 5,
      reserved: 0,
      available: 5,
    })
    expect((await call('POST', '/api/products', vase)).status).toBe(409)
    expect((await call('GET', '/api/products/VASE-1')).body.name).toBe('Glass vase')
    const updated = await call('PUT', '/api/products/VASE-1', { price: '34.50', bin: 'B-03-03' })
    expect(updated.body).toMatchObject({ price: '34.50', bin: 'B-03-03', weightG: 1200 })
    expect(
      (await call('GET', '/api/products?zone=B')).body.products.map((p: { sku: string }) => p.sku),
    ).toEqual(['VASE-1'])
    expect((await call('GET', '/api/products/NOPE')).status).toBe(404)
    expect((await call('PUT', '/api/products/NOPE', { name: 'x' })).status).toBe(404)
  })

  it('refuses an invalid body with a 400 listing each problem by path', async () => {
    const r = await call('POST', '/api/products', { ...vase, sku: 'X', weightG: -1, price: 12.5 })
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['price', 'weightG'])
  })

  it('adjusts stock by delta or to a count, never below what is reserved', async () => {
    const up = await call('POST', '/api/inventory/VASE-1/adjust', { delta: 3 })
    expect(up.body).toMatchObject({
      before: { onHand: 5 },
      after: { onHand: 8, available: 8 },
      restocked: 3,
      backorderedOrders: [],
    })
    const counted = await call('POST', '/api/inventory/VASE-1/adjust', { onHand: 2 })
    expect(counted.body).toMatchObject({ after: { onHand: 2 }, restocked: 0 })
    await t.db.updateTable('inventory').set({ reserved: 2 }).where('sku', '=', 'VASE-1').execute()
    const refused = await call('POST', '/api/inventory/VASE-1/adjust', { delta: -1 })
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toMatch(/2 units are reserved/)
    expect((await call('POST', '/api/inventory/VASE-1/adjust', { delta: 1, onHand: 3 })).status).toBe(400)
    expect((await call('POST', '/api/inventory/NOPE/adjust', { delta: 1 })).status).toBe(404)
  })

  it('a restock sends `restocked` to every order backordered on the SKU', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'VASE-1', quantity: 1 }] })
    await t.db.insertInto('backorders').values({ order_id: order.id, sku: 'VASE-1', quantity: 1 }).execute()
    const r = await call('POST', '/api/inventory/VASE-1/adjust', { delta: 4 })
    expect(r.body.backorderedOrders).toEqual([order.id])
    const events = await t.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('order_id', '=', order.id)
      .execute()
    expect(events).toEqual([
      { type: 'restocked', data: { sku: 'VASE-1', available: r.body.after.available } },
    ])
  })
})

describe('pick list and label routes', () => {
  it('lists released pick lists and confirms one with what was scanned', async () => {
    await call('POST', '/api/inventory/VASE-1/adjust', { delta: 10 })
    const order = await addOrder(t.db, { lines: [{ sku: 'VASE-1', quantity: 2 }] })
    const { pickListIds } = await t.db
      .transaction()
      .execute((tx) =>
        addToPickLists(tx, order.id, order.lines, { strategy: 'single', now: new Date(), priority: 0 }),
      )
    const listed = await call('GET', '/api/pick-lists')
    expect(listed.body.pickLists[0]).toMatchObject({
      id: pickListIds[0],
      status: 'released',
      lines: [{ orderId: order.id, sku: 'VASE-1', bin: 'B-03-03', quantity: 2 }],
    })
    const confirmed = await call('POST', `/api/pick-lists/${pickListIds[0]}/confirm`, {
      scanned: [{ sku: 'VASE-1', quantity: 1 }],
    })
    expect(confirmed.status).toBe(200)
    expect(confirmed.body).toMatchObject({
      completedOrders: [order.id],
      errors: [{ sku: 'VASE-1', kind: 'short', expected: 2, actual: 1 }],
    })
    const event = await t.db
      .selectFrom('events')
      .selectAll()
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(event).toMatchObject({ type: 'picked', source: 'warehouse' })
    expect((await call('POST', `/api/pick-lists/${pickListIds[0]}/confirm`, { scanned: [] })).status).toBe(
      409,
    )
    expect((await call('POST', `/api/pick-lists/${pickListIds[0]}/confirm`, { scanned: 'x' })).status).toBe(
      400,
    )
  })

  it('serves a shipment label as SVG', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'VASE-1', quantity: 1 }] })
    const s = await t.db
      .insertInto('shipments')
      .values({
        order_id: order.id,
        idempotency_key: 'k',
        carrier: 'SimPost',
        service: 'standard',
        tracking_number: 'SPS1',
        tracking_url: 'u',
        label_svg: '<svg/>',
        parcels: '[]',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const r = await call('GET', `/api/shipments/${s.id}/label`)
    expect(r).toMatchObject({ status: 200, type: 'image/svg+xml; charset=utf-8', body: '<svg/>' })
    expect((await call('GET', '/api/shipments/999/label')).status).toBe(404)
  })

  it('takes carrier events by tracking number; delivered becomes an order event', async () => {
    const order = await addOrder(t.db, { lines: [{ sku: 'VASE-1', quantity: 1 }] })
    await t.db
      .insertInto('shipments')
      .values({
        order_id: order.id,
        idempotency_key: 'k2',
        carrier: 'SimPost',
        service: 'express',
        tracking_number: 'SPX2',
        tracking_url: 'u',
        label_svg: '<svg/>',
        parcels: '[]',
      })
      .execute()
    expect(
      (await call('POST', '/api/carrier/events', { trackingNumber: 'SPX2', type: 'in_transit' })).body,
    ).toMatchObject({ status: 'in_transit' })
    const r = await call('POST', '/api/carrier/events', {
      trackingNumber: 'SPX2',
      type: 'delivered',
      at: '2030-01-02T10:00:00Z',
    })
    expect(r).toMatchObject({
      status: 201,
      body: { orderId: order.id, status: 'delivered', event: { matched: false } },
    })
    const event = await t.db
      .selectFrom('events')
      .selectAll()
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow()
    expect(event).toMatchObject({
      type: 'delivered',
      source: 'carrier',
      data: { trackingNumber: 'SPX2', deliveredAt: '2030-01-02T10:00:00.000Z' },
    })
    expect(
      (await call('POST', '/api/carrier/events', { trackingNumber: 'NOPE', type: 'delivered' })).status,
    ).toBe(404)
  })
})
