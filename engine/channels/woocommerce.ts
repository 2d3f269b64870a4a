import { z } from 'zod'
import { cents, divideMoney, exactMoney, fromCents, MappingError } from './decimal.ts'
import { amount, describeIssues, id, quantity, shippingMethodOf, slug, text, toAddress } from './fields.ts'
import type { MappedOrder, Platform } from './platform.ts'

const address = z
  .object({
    first_name: text,
    last_name: text,
    company: text,
    address_1: text,
    address_2: text,
    city: text,
    state: text,
    postcode: text,
    country: text,
    email: text,
    phone: text,
  })
  .nullish()

/** The fields of WooCommerce's order payload (REST API v3 `order`) that orderflow uses. */
const wooOrder = z.object({
  id,
  number: text,
  currency: z.string().regex(/^[A-Z]{3}$/),
  date_created_gmt: z.string(),
  date_modified_gmt: z.string().nullish(),
  date_paid_gmt: z.string().nullish(),
  shipping_total: amount,
  total_tax: amount,
  total: amount,
  customer_id: id.nullish(),
  billing: address,
  shipping: address,
  payment_method: text,
  payment_method_title: text,
  transaction_id: text,
  customer_note: text,
  line_items: z
    .array(
      z.object({
        id,
        name: text,
        sku: text,
        product_id: id.nullish(),
        variation_id: id.nullish(),
        quantity,
        // line total before discounts, excluding tax; `price` is a float in the payload
        subtotal: amount,
      }),
    )
    .min(1),
  shipping_lines: z.array(z.object({ method_id: text, method_title: text })).nullish(),
})

type WooAddress = z.output<typeof address>

function mapAddress(a: WooAddress) {
  if (!a) return undefined
  return toAddress({
    name: `${a.first_name} ${a.last_name}`.trim() || a.company,
    company: a.company,
    line1: a.address_1,
    line2: a.address_2,
    city: a.city,
    region: a.state,
    postalCode: a.postcode,
    country: a.country,
    phone: a.phone,
  })
}

/** WooCommerce's `*_gmt` fields are UTC without a zone designator: "2024-03-01T10:15:00". */
function gmt(value: string, what: string): Date {
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`)
  if (Number.isNaN(d.getTime())) throw new MappingError(`${what} "${value}" is not a date`)
  return d
}

/** WooCommerce `order.created` (and `order.updated`) → the generic order. */
export function mapWooOrder(payload: unknown, channelName: string): MappedOrder {
  const parsed = wooOrder.safeParse(payload)
  if (!parsed.success) {
    const { message, details } = describeIssues(parsed.error)
    throw new MappingError(`The WooCommerce order payload is not usable: ${message}`, { cause: details })
  }
  const o = parsed.data
  const billing = mapAddress(o.billing)
  const shipping = o.shipping?.address_1 ? mapAddress(o.shipping) : undefined
  const shippingAddress = shipping ?? billing
  if (!shippingAddress)
    throw new MappingError(`WooCommerce order ${o.id} has neither a shipping nor a billing address`)
  const email = o.billing?.email ?? ''
  if (!email) throw new MappingError(`WooCommerce order ${o.id} has no billing email`)
  const placedAt = gmt(o.date_created_gmt, 'date_created_gmt')
  const subtotal = o.line_items.reduce(
    (sum, l) => sum + cents(l.subtotal, `line_items[${l.id}].subtotal`),
    0n,
  )
  return {
    externalId: o.id,
    updatedAt: o.date_modified_gmt ? gmt(o.date_modified_gmt, 'date_modified_gmt') : placedAt,
    input: {
      channel: channelName,
      externalId: o.id,
      currency: o.currency,
      customer: { email, name: billing?.name ?? shippingAddress.name },
      shippingAddress,
      ...(billing ? { billingAddress: billing } : {}),
      shippingMethod: shippingMethodOf(
        ...(o.shipping_lines ?? []).flatMap((l) => [l.method_id, l.method_title]),
      ),
      // WooCommerce's own ids: cod, bacs, cheque, paypal, stripe, ...
      paymentMethod: slug(o.payment_method, 'woocommerce'),
      payment: {
        platform: 'woocommerce',
        paid: Boolean(o.date_paid_gmt),
        title: o.payment_method_title || null,
        transactionId: o.transaction_id || null,
        orderNumber: o.number || null,
      },
      lines: o.line_items.map((l) => ({
        sku:
          l.sku ||
          `wc-product-${l.product_id ?? l.id}${l.variation_id && l.variation_id !== '0' ? `-${l.variation_id}` : ''}`,
        name: l.name.slice(0, 300),
        quantity: l.quantity,
        unitPrice: divideMoney(l.subtotal, l.quantity, `line_items[${l.id}].subtotal`),
      })),
      totals: {
        subtotal: fromCents(subtotal),
        shipping: exactMoney(o.shipping_total, 'shipping_total'),
        tax: exactMoney(o.total_tax, 'total_tax'),
        total: exactMoney(o.total, 'total'),
      },
      tags: [],
      placedAt: placedAt.toISOString(),
    },
  }
}

export const woocommerce: Platform = {
  type: 'woocommerce',
  signatureHeader: 'x-wc-webhook-signature',
  topicHeader: 'x-wc-webhook-topic',
  deliveryHeaders: ['x-wc-webhook-delivery-id'],
  createTopics: ['order.created'],
  updateTopics: ['order.updated'],
  map: mapWooOrder,
}
