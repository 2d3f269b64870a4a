import type { Order } from '../orders/order-model.ts'

/** The shop as emails present it (footer, sender, links). */
export interface Shop {
  name: string
  supportEmail: string
  url: string
}

let shop: Shop = {
  name: 'Northwind Goods',
  supportEmail: 'support@northwind.example',
  url: 'https://northwind.example',
}

/** Sets the shop shown in every email. (Default: a placeholder "Northwind Goods" shop) */
export function configureShop(patch: Partial<Shop>): void {
  shop = { ...shop, ...patch }
}

export function currentShop(): Shop {
  return shop
}

/**
 * What a template sees. Money stays a decimal string ("12.50": use `{{money x}}`), dates are ISO
 * strings (use `{{date x}}`). Optional address fields are '' rather than missing, so strict mode
 * accepts both `{{order.shippingAddress.line2}}` and `{{#if ...}}`. Per-email `extra` data (e.g.
 * `tracking`, `reason`, `refund`) sits beside these at the top level; it cannot replace them.
 */
export interface TemplateData {
  order: {
    id: number
    externalId: string
    channel: string
    status: string
    currency: string
    placedAt: string
    shippingMethod: string
    paymentMethod: string
    /** total quantity over all lines, for `{{pluralize order.itemCount "item"}}` */
    itemCount: number
    totals: { subtotal: string; shipping: string; tax: string; total: string }
    shippingAddress: Required<Order['shippingAddress']>
    attributes: Record<string, unknown>
    tags: string[]
  }
  customer: { name: string; firstName: string; email: string }
  lines: { sku: string; name: string; quantity: number; unitPrice: string; lineTotal: string }[]
  shop: Shop
  [extra: string]: unknown
}

export function templateData(order: Order, extra: Record<string, unknown> = {}): TemplateData {
  const a = order.shippingAddress
  return {
    ...extra,
    order: {
      id: order.id,
      externalId: order.externalId,
      channel: order.channel,
      status: order.status,
      currency: order.currency,
      placedAt: order.placedAt.toISOString(),
      shippingMethod: order.shippingMethod,
      paymentMethod: order.paymentMethod,
      itemCount: order.lines.reduce((n, l) => n + l.quantity, 0),
      totals: { ...order.totals },
      shippingAddress: {
        name: a.name,
        company: a.company ?? '',
        line1: a.line1,
        line2: a.line2 ?? '',
        city: a.city,
        region: a.region ?? '',
        postalCode: a.postalCode ?? '',
        country: a.country,
        phone: a.phone ?? '',
      },
      attributes: { ...order.attributes },
      tags: [...order.tags],
    },
    customer: {
      name: order.customer.name,
      firstName: order.customer.name.trim().split(/\s+/)[0] ?? '',
      email: order.customer.email,
    },
    lines: order.lines.map((l) => ({
      sku: l.sku,
      name: l.name || l.sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      lineTotal: multiplyMoney(l.unitPrice, l.quantity),
    })),
    shop: { ...shop },
  }
}

/** "12.50" × 3 = "37.50", exactly: in integer cents, never through a float. */
export function multiplyMoney(amount: string, quantity: number): string {
  const negative = amount.startsWith('-')
  const [whole = '0', frac = ''] = amount.replace('-', '').split('.')
  const cents = (BigInt(whole) * 100n + BigInt(`${frac}00`.slice(0, 2))) * BigInt(quantity)
  const text = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`
  return negative && cents !== 0n ? `-${text}` : text
}

/** A realistic order for previews and template validation (id 0: it is not in the database). */
export function sampleOrder(): Order {
  return {
    id: 0,
    channel: 'web',
    externalId: 'NW-100234',
    status: 'paid',
    currency: 'EUR',
    customer: { id: 0, email: 'ada.lovelace@example.com', name: 'Ada Lovelace' },
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '12 Analytical Row',
      line2: 'Flat 3',
      city: 'Dublin',
      postalCode: 'D02 X285',
      country: 'IE',
    },
    billingAddress: null,
    shippingMethod: 'Standard delivery',
    paymentMethod: 'card',
    payment: {},
    lines: [
      { lineNo: 1, sku: 'MUG-BLUE', name: 'Stoneware mug, blue', quantity: 2, unitPrice: '14.50' },
      {
        lineNo: 2,
        sku: 'TEA-EARL-250',
        name: 'Earl Grey loose leaf tea, 250 g',
        quantity: 1,
        unitPrice: '9.90',
      },
    ],
    totals: { subtotal: '38.90', shipping: '4.95', tax: '8.95', total: '52.80' },
    attributes: { priority: 'normal' },
    tags: ['first-order'],
    placedAt: new Date('2025-03-12T09:41:00Z'),
  }
}
