import { sql } from 'kysely'
import type { Tx } from './db.ts'
import type { Order } from './orders/order-model.ts'

/**
 * The facts rules can test. Money becomes numbers here only, for comparisons; the order keeps
 * exact decimal strings everywhere else.
 */
export async function buildFacts(tx: Tx, order: Order): Promise<Record<string, unknown>> {
  const { customer, products } = await storedFacts(tx, order)
  return {
    order: orderFacts(order),
    customer: { email: order.customer.email, ...customer },
    lines: order.lines.map((l) => ({ ...l, unitPrice: Number(l.unitPrice) })),
    products,
  }
}

// Customer history and product data do not change while one transaction runs the order's steps,
// so several rule nodes in one job share one lookup. Order facts are rebuilt every time: rules
// earlier in the chain may have changed the order's attributes.
const stored = new WeakMap<Tx, Map<number, ReturnType<typeof loadStoredFacts>>>()

function storedFacts(tx: Tx, order: Order) {
  const perTx = stored.get(tx) ?? new Map<number, ReturnType<typeof loadStoredFacts>>()
  stored.set(tx, perTx)
  const facts = perTx.get(order.id) ?? loadStoredFacts(tx, order)
  perTx.set(order.id, facts)
  return facts
}

interface ProductRow {
  sku: string
  fragile: boolean
  weight_g: number
  length_mm: number
  width_mm: number
  height_mm: number
  zone: string
}

/** Customer history and the catalogue rows of the order's SKUs, in one round trip. */
async function loadStoredFacts(tx: Tx, order: Order) {
  const skus = [...new Set(order.lines.map((l) => l.sku))]
  const { rows } = await sql<{ order_count: number; lifetime_value: string; products: ProductRow[] }>`
    select count(*)::int as order_count, coalesce(sum(total), 0)::text as lifetime_value,
      (select coalesce(json_agg(json_build_object('sku', p.sku, 'fragile', p.fragile, 'weight_g', p.weight_g,
          'length_mm', p.length_mm, 'width_mm', p.width_mm, 'height_mm', p.height_mm, 'zone', p.zone) order by p.sku), '[]')
        from products p where p.sku = any(${skus}::text[])) as products
    from orders where customer_id = ${order.customer.id}`.execute(tx)
  const { order_count = 1, lifetime_value = '0', products = [] } = rows[0] ?? {}
  return {
    customer: { orderCount: order_count, lifetimeValue: Number(lifetime_value), firstOrder: order_count <= 1 },
    products: productFacts(order, skus, products),
  }
}

/**
 * What rules may ask about the goods: any fragile item, total weight, zones, the longest side.
 * SKUs missing from the catalogue count as neither fragile nor heavy.
 */
function productFacts(order: Order, skus: string[], rows: ProductRow[]): Record<string, unknown> {
  const bySku = new Map(rows.map((r) => [r.sku, r]))
  let weightG = 0
  let volumeMm3 = 0
  for (const l of order.lines) {
    const p = bySku.get(l.sku)
    if (!p) continue
    weightG += p.weight_g * l.quantity
    volumeMm3 += p.length_mm * p.width_mm * p.height_mm * l.quantity
  }
  const fragileSkus = rows.filter((r) => r.fragile).map((r) => r.sku)
  return {
    fragile: fragileSkus.length > 0,
    fragileSkus,
    totalWeightKg: weightG / 1000,
    totalVolumeLitres: volumeMm3 / 1_000_000,
    maxDimensionMm: Math.max(0, ...rows.map((r) => Math.max(r.length_mm, r.width_mm, r.height_mm))),
    zones: [...new Set(rows.map((r) => r.zone))].sort(),
    unknownSkus: skus.filter((s) => !bySku.has(s)),
  }
}

export function orderFacts(order: Order): Record<string, unknown> {
  return {
    channel: order.channel,
    currency: order.currency,
    shippingMethod: order.shippingMethod,
    paymentMethod: order.paymentMethod,
    express: order.attributes.express === true || order.shippingMethod === 'express',
    priority: order.attributes.priority ?? 'normal',
    total: Number(order.totals.total),
    subtotal: Number(order.totals.subtotal),
    lineCount: order.lines.length,
    itemCount: order.lines.reduce((n, l) => n + l.quantity, 0),
    skus: order.lines.map((l) => l.sku),
    country: order.shippingAddress.country,
    tags: order.tags,
    attributes: order.attributes,
  }
}
