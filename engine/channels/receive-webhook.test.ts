import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.ts'
import { createApp } from '../api/app.ts'
import { signBody } from './verify-signature.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const shopifyBody = fs.readFileSync(path.join(here, 'fixtures', 'shopify-orders-create.json'), 'utf8')
const wooBody = fs.readFileSync(path.join(here, 'fixtures', 'woocommerce-order-created.json'), 'utf8')
const SHOPIFY_SECRET = 'shpss_0123456789abcdef0123456789abcdef'
const WOO_SECRET = 'woo secret with spaces & symbols!'

let h: Harness
let app: ReturnType<typeof createApp>
let shopifyId: number
let wooId: number

async function post(channelId: number, body: string, headers: Record<string, string>) {
  const res = await app.request(`/api/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  })
  return { status: res.status, body: (await res.json()) as any }
}
let event = 0
const shopifyHeaders = (body: string, topic = 'orders/create', eventId = `evt-${++event}`) => ({
  'X-Shopify-Topic': topic,
  'X-Shopify-Hmac-Sha256': signBody(SHOPIFY_SECRET, body),
  'X-Shopify-Shop-Domain': 'example.myshopify.com',
  'X-Shopify-Event-Id': eventId,
  'X-Shopify-Webhook-Id': `wh-${eventId}`,
})
const wooHeaders = (body: string, topic = 'order.created', delivery = `dlv-${++event}`) => ({
  'X-WC-Webhook-Topic': topic,
  'X-WC-Webhook-Signature': signBody(WOO_SECRET, body),
  'X-WC-Webhook-Delivery-ID': delivery,
  'X-WC-Webhook-Source': 'https://shop.example/',
})
const ordersOf = (channel: string) =>
  h.db.selectFrom('orders').selectAll().where('channel', '=', channel).execute()

beforeAll(async () => {
  h = await createHarness()
  app = createApp({ db: h.db, log: pino({ level: 'silent' }) })
  const s = await h.api('POST', '/api/channels', {
    type: 'shopify',
    name: 'shopify-us',
    secret: SHOPIFY_SECRET,
  })
  expect(s.status, JSON.stringify(s.body)).toBe(201)
  shopifyId = s.body.id
  const w = await h.api('POST', '/api/channels', { type: 'woocommerce', name: 'woo-fr', secret: WOO_SECRET })
  wooId = w.body.id
})
afterAll(async () => h?.close())

describe('channel management', () => {
  it('lists channels without their secrets, for admins only', async () => {
    const list = await h.api('GET', '/api/channels')
    expect(list.status).toBe(200)
    expect(list.body.channels.map((c: any) => [c.name, c.type, c.webhookPath])).toEqual([
      ['shopify-us', 'shopify', `/api/channels/${shopifyId}/webhook`],
      ['woo-fr', 'woocommerce', `/api/channels/${wooId}/webhook`],
    ])
    expect(JSON.stringify(list.body)).not.toContain(SHOPIFY_SECRET)
    expect((await h.api('GET', '/api/channels', undefined, await h.tokenFor('operations'))).status).toBe(403)
    expect(
      (
        await h.api(
          'POST',
          '/api/channels',
          { type: 'shopify', name: 'x', secret: 'abcdefgh' },
          await h.tokenFor('channel'),
        )
      ).status,
    ).toBe(403)
    const clash = await h.api('POST', '/api/channels', {
      type: 'shopify',
      name: 'SHOPIFY-US',
      secret: 'abcdefghij',
    })
    expect(clash).toMatchObject({ status: 409, body: { error: { code: 'channel_exists' } } })
  })

  it('audits creation and deletion, never the secret; a deleted channel answers 404', async () => {
    const c = await h.api('POST', '/api/channels', {
      type: 'shopify',
      name: 'short-lived',
      secret: 'temporary-secret',
    })
    expect((await h.api('DELETE', `/api/channels/${c.body.id}`)).status).toBe(200)
    expect((await h.api('DELETE', `/api/channels/${c.body.id}`)).status).toBe(404)
    const res = await post(c.body.id, shopifyBody, shopifyHeaders(shopifyBody))
    expect(res.status).toBe(404)
    const audit = await h.api('GET', `/api/audit?target=channel:${c.body.id}`)
    expect(audit.body.entries.map((e: any) => [e.action, e.actor])).toEqual([
      ['channel.deleted', 'test admin'],
      ['channel.created', 'test admin'],
    ])
    expect(JSON.stringify(audit.body)).not.toContain('temporary-secret')
  })
})

describe('Shopify orders/create', () => {
  it('verifies, maps and commits the order before answering, keeping the 64-bit id exact', async () => {
    const started = Date.now()
    const res = await post(shopifyId, shopifyBody, shopifyHeaders(shopifyBody))
    const elapsed = Date.now() - started
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ outcome: 'created', duplicate: false })
    expect(elapsed).toBeLessThan(1000) // Shopify gives up after 5 s
    // committed before the 200: readable from another connection right away
    const detail = await h.api('GET', `/api/orders/${res.body.orderId}`)
    const order = detail.body.order
    expect(order).toMatchObject({
      channel: 'shopify-us',
      externalId: '820982911946154508', // Number("820982911946154508") would be ...154500
      currency: 'USD',
      shippingMethod: 'standard',
      paymentMethod: 'shopify_payments',
      customer: { email: 'jon@example.com', name: 'Jon Doe' },
      shippingAddress: {
        name: 'Steve Shipper',
        company: 'Shipping Company',
        line1: '123 Shipping Street',
        city: 'Shippington',
        region: 'KY',
        postalCode: '40003',
        country: 'US',
      },
      totals: { subtotal: '398.00', shipping: '9.00', tax: '11.95', total: '418.95' },
      tags: ['vip', 'spring-sale'],
    })
    expect(order.billingAddress).toMatchObject({
      name: 'Jon Doe',
      line1: '123 Billing Street',
      country: 'US',
    })
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice])).toEqual([
      ['IPOD2008PINK', 1, '199.00'],
      ['shopify-variant-808950811', 1, '199.00'], // no SKU on the platform: a stable one from the variant id
    ])
    expect(detail.body.run.status).toBeDefined()
  })

  it('the same delivery again, or the same order through another delivery, creates nothing new', async () => {
    const before = (await ordersOf('shopify-us')).length
    const runs = await h.db.selectFrom('runs').select('id').execute()
    const headers = shopifyHeaders(shopifyBody)
    const first = await post(shopifyId, shopifyBody, headers)
    expect(first.body).toMatchObject({ outcome: 'existing', duplicate: false })
    const again = await post(shopifyId, shopifyBody, headers)
    expect(again.body).toMatchObject({ outcome: 'existing', duplicate: true, orderId: first.body.orderId })
    // five deliveries of the same order at once
    const burst = await Promise.all(
      [1, 2, 3, 4, 5].map(() => post(shopifyId, shopifyBody, shopifyHeaders(shopifyBody))),
    )
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(new Set(burst.map((r) => r.body.orderId))).toEqual(new Set([first.body.orderId]))
    expect((await ordersOf('shopify-us')).length).toBe(before)
    expect((await h.db.selectFrom('runs').select('id').execute()).length).toBe(runs.length)
  })

  it('an older update never overwrites a newer one, in whichever order they arrive', async () => {
    // the order's own updated_at is the one followed by user_id (the customer has one too)
    const at = (time: string) => `"updated_at": "2025-03-12T${time}-04:00",\n  "user_id"`
    const newer = shopifyBody
      .replace(at('09:41:07'), at('12:00:00'))
      .replace('123 Shipping Street', '9 Newer Road')
    const older = shopifyBody
      .replace(at('09:41:07'), at('10:00:00'))
      .replace('123 Shipping Street', '5 Older Lane')
    expect(newer).toContain('12:00:00-04:00')
    const up = await post(shopifyId, newer, shopifyHeaders(newer, 'orders/updated'))
    expect(up.body).toMatchObject({ outcome: 'updated' })
    const stale = await post(shopifyId, older, shopifyHeaders(older, 'orders/updated'))
    expect(stale.body).toMatchObject({ outcome: 'stale', orderId: up.body.orderId })
    const order = (await h.api('GET', `/api/orders/${up.body.orderId}`)).body
    expect(order.order.shippingAddress.line1).toBe('9 Newer Road')
    expect(order.events.filter((e: any) => e.type === 'channel_updated')).toHaveLength(1)
  })

  it('takes an update whose create never arrived as a new order', async () => {
    const body = shopifyBody.replaceAll('820982911946154508', '820982911946154509')
    const res = await post(shopifyId, body, shopifyHeaders(body, 'orders/updated'))
    expect(res.body).toMatchObject({ outcome: 'created' })
  })

  it('acknowledges other topics without storing an order', async () => {
    const body = '{"id": 1}'
    const res = await post(shopifyId, body, shopifyHeaders(body, 'customers/create'))
    expect(res).toMatchObject({ status: 200, body: { outcome: 'ignored', orderId: null } })
  })

  it('refuses a bad signature with 401, never 500, whatever its shape', async () => {
    const good = shopifyHeaders(shopifyBody)
    const variants: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      'wrong secret': signBody('another-secret', shopifyBody),
      'too short (16 bytes)': Buffer.alloc(16, 1).toString('base64'),
      'too long (64 bytes)': Buffer.alloc(64, 1).toString('base64'),
      'not base64': '!!!!not-base64!!!!',
      hex: 'a'.repeat(64),
      unicode: 'ü'.repeat(44),
    }
    for (const [what, sig] of Object.entries(variants)) {
      const headers: Record<string, string> = { ...good }
      if (sig === undefined) delete headers['X-Shopify-Hmac-Sha256']
      else headers['X-Shopify-Hmac-Sha256'] = sig
      const res = await post(shopifyId, shopifyBody, headers)
      expect(res.status, what).toBe(401)
      expect(res.body.error.code, what).toBe('invalid_signature')
    }
    // one byte of the body changed after signing
    const tampered = shopifyBody.replace('"418.95"', '"0.01"')
    expect((await post(shopifyId, tampered, good)).status).toBe(401)
    // the signature of the other channel's secret
    expect(
      (
        await post(wooId, wooBody, {
          ...wooHeaders(wooBody),
          'X-WC-Webhook-Signature': signBody(SHOPIFY_SECRET, wooBody),
        })
      ).status,
    ).toBe(401)
  })

  it('answers 422 with the reason for a signed payload it cannot map', async () => {
    const body = shopifyBody
      .replaceAll('820982911946154508', '820982911946154600')
      .replace('"total_price": "418.95"', '"total_price": "418.955"')
    const res = await post(shopifyId, body, shopifyHeaders(body))
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'unmappable_order' })
    expect(res.body.error.message).toMatch(/total_price 418.955 has more than two decimals/)
    const notJson = '{"id": '
    expect((await post(shopifyId, notJson, shopifyHeaders(notJson))).status).toBe(400)
  })
})

describe('WooCommerce order.created', () => {
  it('answers the activation ping with 200 and no order', async () => {
    const res = await app.request(`/api/channels/${wooId}/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'webhook_id=42',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ outcome: 'ping', orderId: null })
    expect(await ordersOf('woo-fr')).toEqual([])
  })

  it('maps the order with exact decimals', async () => {
    const res = await post(wooId, wooBody, wooHeaders(wooBody))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.outcome).toBe('created')
    const order = (await h.api('GET', `/api/orders/${res.body.orderId}`)).body.order
    expect(order).toMatchObject({
      channel: 'woo-fr',
      externalId: '727',
      currency: 'EUR',
      paymentMethod: 'bacs',
      customer: { email: 'marie@example.org', name: 'Marie Curie' },
      shippingAddress: {
        name: 'Marie Curie',
        company: 'Institut du Radium',
        line1: '1 Rue Pierre et Marie Curie',
        line2: 'Bâtiment B',
        city: 'Paris',
        postalCode: '75005',
        country: 'FR',
      },
      totals: { subtotal: '37.47', shipping: '4.90', tax: '6.18', total: '48.55' },
    })
    expect(new Date(order.placedAt).toISOString()).toBe('2025-03-12T10:05:00.000Z')
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice])).toEqual([
      ['WOO-SINGLE-1', 2, '6.25'],
      ['wc-product-22-23', 3, '8.32'], // 24.97 / 3, to the cent; never the float 8.323333333333333
    ])
    const again = await post(wooId, wooBody, wooHeaders(wooBody, 'order.created', 'another-delivery'))
    expect(again.body).toMatchObject({ outcome: 'existing', orderId: res.body.orderId })
    const stale = wooBody.replace(
      '"date_modified_gmt": "2025-03-12T10:05:02"',
      '"date_modified_gmt": "2025-03-12T10:05:01"',
    )
    expect((await post(wooId, stale, wooHeaders(stale, 'order.updated'))).body.outcome).toBe('stale')
  })
})
