import { z } from 'zod'
import { cents, exactMoney, fromCents, MappingError } from './decimal.ts'
import { amount, describeIssues, id, quantity, shippingMethodOf, slug, text, toAddress } from './fields.ts'
import type { MappedOrder, Platform } from './platform.ts'

const address = z
  .object({
    first_name: text,
    last_name: text,
    name: text,
    company: text,
    address1: text,
    address2: text,
    city: text,
    province: text,
    province_code: text,
    zip: text,
    country_code: text,
    phone: text,
  })
  .nullish()

const money = z.object({ shop_money: z.object({ amount }) })

/** The fields of Shopify's order payload (REST Admin API `Order`) that orderflow uses. */
const shopifyOrder = z.object({
  id,
  name: text,
  email: text,
  contact_email: text,
  created_at: z.string(),
  updated_at: z.string().nullish(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  subtotal_price: amount,
  total_price: amount,
  total_tax: amount.nullish(),
  total_shipping_price_set: money.nullish(),
  financial_status: text,
  gateway: text,
  payment_gateway_names: z.array(z.string()).nullish(),
  tags: text,
  customer: z.object({ id: id.nullish(), email: text, first_name: text, last_name: text }).nullish(),
  shipping_address: address,
  billing_address: address,
  shipping_lines: z.array(z.object({ code: text, title: text, price: amount })).nullish(),
  line_items: z
    .array(
      z.object({
        id,
        sku: text,
        name: text,
        title: text,
        variant_id: id.nullish(),
        product_id: id.nullish(),
        quantity,
        price: amount,
      }),
    )
    .min(1),
})

type ShopifyAddress = z.output<typeof address>

function mapAddress(a: ShopifyAddress) {
  if (!a) return undefined
  return toAddress({
    name: a.name || `${a.first_name} ${a.last_name}`.trim(),
    company: a.company,
    line1: a.address1,
    line2: a.address2,
    city: a.city,
    region: a.province_code || a.province,
    postalCode: a.zip,
    country: a.country_code,
    phone: a.phone,
  })
}

function timestamp(value: string, what: string): Date {
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw new MappingError(`${what} "${value}" is not a date`)
  return d
}

/** Shopify `orders/create` (and `orders/updated`) → the generic order. */
export function mapShopifyOrder(payload: unknown, channelName: string): MappedOrder {
  const parsed = shopifyOrder.safeParse(payload)
  if (!parsed.success) {
    const { message, details } = describeIssues(parsed.error)
    throw new MappingError(`The Shopify order payload is not usable: ${message}`, { cause: details })
  }
  const o = parsed.data
  const shipping = mapAddress(o.shipping_address)
  const billing = mapAddress(o.billing_address)
  const shippingAddress = shipping ?? billing
  if (!shippingAddress)
    throw new MappingError(`Shopify order ${o.id} has neither a shipping nor a billing address`)
  const email = o.email || o.contact_email || o.customer?.email || ''
  if (!email) throw new MappingError(`Shopify order ${o.id} has no customer email`)
  const shippingLines = o.shipping_lines ?? []
  const shippingTotal = o.total_shipping_price_set
    ? exactMoney(o.total_shipping_price_set.shop_money.amount, 'total_shipping_price_set')
    : fromCents(shippingLines.reduce((sum, l) => sum + cents(l.price, 'shipping_lines.price'), 0n))
  const gateway = o.payment_gateway_names?.[0] ?? o.gateway
  const placedAt = timestamp(o.created_at, 'created_at')
  return {
    externalId: o.id,
    updatedAt: o.updated_at ? timestamp(o.updated_at, 'updated_at') : placedAt,
    input: {
      channel: channelName,
      externalId: o.id,
      currency: o.currency,
      customer: {
        email,
        name: `${o.customer?.first_name ?? ''} ${o.customer?.last_name ?? ''}`.trim() || shippingAddress.name,
      },
      shippingAddress,
      ...(billing ? { billingAddress: billing } : {}),
      shippingMethod: shippingMethodOf(...shippingLines.flatMap((l) => [l.code, l.title])),
      paymentMethod: /cash on delivery|\bcod\b/i.test(gateway) ? 'cod' : slug(gateway, 'shopify'),
      payment: {
        platform: 'shopify',
        financialStatus: o.financial_status || null,
        gateways: o.payment_gateway_names ?? [],
        orderName: o.name || null,
      },
      lines: o.line_items.map((l) => ({
        // a custom item or a product without SKU still needs a stable key in the warehouse
        sku: l.sku || (l.variant_id ? `shopify-variant-${l.variant_id}` : `shopify-item-${l.id}`),
        name: (l.name || l.title).slice(0, 300),
        quantity: l.quantity,
        unitPrice: exactMoney(l.price, `line_items[${l.id}].price`),
      })),
      totals: {
        subtotal: exactMoney(o.subtotal_price, 'subtotal_price'),
        shipping: shippingTotal,
        tax: exactMoney(o.total_tax ?? '0', 'total_tax'),
        total: exactMoney(o.total_price, 'total_price'),
      },
      tags: o.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
        .slice(0, 50),
      placedAt: placedAt.toISOString(),
    },
  }
}

export const shopify: Platform = {
  type: 'shopify',
  signatureHeader: 'x-shopify-hmac-sha256',
  topicHeader: 'x-shopify-topic',
  // X-Shopify-Event-Id names the event (the same for every retry); older API versions send only the webhook id
  deliveryHeaders: ['x-shopify-event-id', 'x-shopify-webhook-id'],
  createTopics: ['orders/create'],
  updateTopics: ['orders/updated'],
  map: mapShopifyOrder,
}
