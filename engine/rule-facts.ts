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

async function loadStoredFacts(tx: Tx, order: Order) {
  const [stats, products] = await Promise.all([
    sql<{ order_count: number; lifetime_value: string }>`
      select count(*)::int as order_count, coalesce(sum(total), 0)::text as lifetime_value
      from orders where customer_id = ${order.customer.id}`.execute(tx),
    productFacts(tx, order),
  ])
  const { order_count = 1, lifetime_value = '0' } = stats.rows[0] ?? {}
  return {
    customer: { orderCount: order_count, lifetimeValue: Number(lifetime_value), firstOrder: order_count <= 1 },
    products,
  }
}

/**
 * What rules may ask about the goods: any fragile item, total weight, zones, the longest side.
 * SKUs missing from the catalogue count as neither fragile nor heavy.
 */
export async function productFacts(tx: Tx, order: Order): Promise<Record<string, unknown>> {
  const skus = [...new Set(order.lines.map((l) => l.sku))]
  const rows = skus.length
    ? await tx
        .selectFrom('products')
        .select(['sku', 'fragile', 'weight_g', 'length_mm', 'width_mm', 'height_mm', 'zone'])
        .where('sku', 'in', skus)
        .execute()
    : []
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
