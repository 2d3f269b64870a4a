import { TEST_CARDS } from '../adapters/simulated-payment.ts'
import type { OrderInput } from '../orders/order-model.ts'
import { Prng } from './prng.ts'

/** What the synthetic world is like. Defaults are a plausible mid-size web shop. */
export interface StreamOptions {
  seed: number
  orders: number
  /** First order's placing time. */
  start: Date
  /** Orders arrive as a Poisson process over this many days. (Default: 7) */
  days?: number
  /** (Default: 0.15) */
  expressShare?: number
  /** Orders with a line of a SKU that is out of stock at the start. (Default: 0.08) */
  outOfStockShare?: number
  /** Card payments declined by the provider (declined test card data). (Default: 0.05) */
  paymentFailureShare?: number
  /** Cash on delivery. (Default: 0.05) */
  cashOnDeliveryShare?: number
  /** Deliveries late by 2-5 days. (Default: 0.1) */
  deliveryDelayShare?: number
  /** Delivered orders of which something is sent back. (Default: 0.12) */
  returnShare?: number
  /** Delivered orders whose customer leaves feedback. (Default: 0.4) */
  feedbackShare?: number
  /** Picks confirmed with one unit short. (Default: 0.02) */
  pickErrorShare?: number
  /** Share of orders from customers who ordered before. (Default: 0.3) */
  repeatShare?: number
}

export interface CatalogueItem {
  sku: string
  name: string
  price: string
}

/** The outside world's decisions about one order, fixed by the seed (not by how the flow runs). */
export interface OrderFate {
  /** carrier transit for a standard shipment; express takes 1 day */
  transitDays: number
  delayDays: number
  returns: {
    reason: string
    afterDays: number
    lines: { sku: string; quantity: number }[]
    condition: 'resellable' | 'opened' | 'damaged'
    transitDays: number
  } | null
  feedback: { rating: number; afterDays: number; comment: string } | null
  pickError: boolean
}

export interface SimOrder {
  placedAt: Date
  input: OrderInput
  fate: OrderFate
}

/** The return node's default reason codes, with how often customers choose them. */
export const RETURN_REASONS: [string, number][] = [
  ['changed_mind', 0.4],
  ['not_as_described', 0.25],
  ['damaged', 0.2],
  ['wrong_item', 0.15],
]

const FIRST = [
  'Ada',
  'Noor',
  'Liam',
  'Emma',
  'Finn',
  'Sofia',
  'Lucas',
  'Mila',
  'Daan',
  'Julia',
  'Sem',
  'Lotte',
  'Ben',
  'Anna',
  'Jonas',
  'Lea',
  'Tom',
  'Sara',
  'Max',
  'Eva',
]
const LAST = [
  'de Vries',
  'Jansen',
  'Müller',
  'Schmidt',
  'Smith',
  'Jones',
  'Dubois',
  'Martin',
  'Peeters',
  'Bakker',
  'Visser',
  'Meyer',
  'Brown',
  'Lambert',
  'Janssens',
  'Wagner',
]
const PLACES: [country: string, city: string, postal: string, weight: number][] = [
  ['NL', 'Amsterdam', '1012 AB', 25],
  ['NL', 'Utrecht', '3511 AA', 10],
  ['DE', 'Berlin', '10115', 20],
  ['DE', 'Hamburg', '20095', 8],
  ['GB', 'London', 'N1 9GU', 15],
  ['BE', 'Antwerpen', '2000', 8],
  ['FR', 'Lille', '59000', 8],
  ['AT', 'Wien', '1010', 6],
]
const CHANNELS: [string, number][] = [
  ['web', 0.7],
  ['shopify', 0.2],
  ['woocommerce', 0.1],
]
const COMMENTS: Record<number, string> = {
  1: 'Very disappointed.',
  2: 'Not great.',
  3: 'It is fine.',
  4: 'Good, thank you.',
  5: 'Lovely, will order again!',
}

const cents = (s: string) => Math.round(Number(s) * 100)
const money = (c: number) => (c / 100).toFixed(2)

/**
 * A seeded stream of synthetic orders and their fates. Each order draws from its own forked
 * PRNG, so order i is the same whatever the other orders look like; `outOfStock` lists the SKUs
 * that start at zero stock (the simulation sets them so).
 */
export function orderStream(
  catalogue: CatalogueItem[],
  opts: StreamOptions,
): { orders: SimOrder[]; outOfStock: string[] } {
  if (catalogue.length < 4)
    throw new Error(
      'The catalogue has fewer than 4 products; seed the products table (npm start seeds a demo catalogue).',
    )
  const root = new Prng(opts.seed)
  const o = {
    days: 7,
    expressShare: 0.15,
    outOfStockShare: 0.08,
    paymentFailureShare: 0.05,
    cashOnDeliveryShare: 0.05,
    deliveryDelayShare: 0.1,
    returnShare: 0.12,
    feedbackShare: 0.4,
    pickErrorShare: 0.02,
    repeatShare: 0.3,
    ...opts,
  }
  // the freight-only and dearest goods sell rarely; cheaper goods more often
  const sellable = catalogue.filter((p) => cents(p.price) < 100_000)
  const byPopularity = sellable.map((p) => [p, 1 / Math.sqrt(Math.max(1, cents(p.price) / 100))] as const)
  const shuffled = [...sellable].sort((a, b) => root.fork(a.sku).next() - root.fork(b.sku).next())
  const outOfStock = shuffled.slice(0, 3).map((p) => p.sku)
  const inStock = byPopularity.filter(([p]) => !outOfStock.includes(p.sku))
  const customers: { email: string; name: string; place: (typeof PLACES)[number] }[] = []
  const meanGapMs = (o.days * 86_400_000) / o.orders
  let t = opts.start.getTime()
  const orders: SimOrder[] = []
  for (let i = 0; i < o.orders; i++) {
    const r = root.fork(i)
    if (i > 0) t += r.exponential(meanGapMs)
    let customer = customers.length > 0 && r.chance(o.repeatShare) ? r.pick(customers) : undefined
    if (!customer) {
      const first = r.pick(FIRST)
      const last = r.pick(LAST)
      customer = {
        name: `${first} ${last}`,
        email: `${first}.${last.replace(/\W/g, '')}.${customers.length + 1}@example.com`.toLowerCase(),
        place: r.weighted(PLACES.map((p) => [p, p[3]] as const)),
      }
      customers.push(customer)
    }
    const lines = new Map<string, { sku: string; name: string; quantity: number; unitPrice: string }>()
    const lineCount = Math.min(
      inStock.length,
      r.weighted([
        [1, 0.5],
        [2, 0.3],
        [3, 0.15],
        [4, 0.05],
      ] as const),
    )
    while (lines.size < lineCount) {
      const p = r.weighted(inStock)
      lines.set(p.sku, {
        sku: p.sku,
        name: p.name,
        quantity: r.weighted([
          [1, 0.8],
          [2, 0.15],
          [3, 0.05],
        ] as const),
        unitPrice: p.price,
      })
    }
    if (r.chance(o.outOfStockShare)) {
      const sku = r.pick(outOfStock)
      const p = catalogue.find((c) => c.sku === sku)!
      lines.set(p.sku, { sku: p.sku, name: p.name, quantity: 1, unitPrice: p.price })
    }
    const express = r.chance(o.expressShare)
    const subtotal = [...lines.values()].reduce((s, l) => s + cents(l.unitPrice) * l.quantity, 0)
    const shipping = express ? 990 : subtotal >= 7500 ? 0 : 490
    const paymentMethod = r.chance(o.cashOnDeliveryShare)
      ? 'cod'
      : r.weighted([
          ['card', 0.85],
          ['wallet', 0.15],
        ] as const)
    const declined = paymentMethod !== 'cod' && r.chance(o.paymentFailureShare)
    const card = declined
      ? r.chance(0.7)
        ? TEST_CARDS.declined
        : TEST_CARDS.insufficientFunds
      : '4242424242424242'
    const [country, city, postalCode] = customer.place
    const delivered = [...lines.values()]
    const returning = r.chance(o.returnShare)
    const rating = r.weighted([
      [5, 0.5],
      [4, 0.25],
      [3, 0.1],
      [2, 0.07],
      [1, 0.08],
    ] as const)
    orders.push({
      placedAt: new Date(t),
      input: {
        channel: r.weighted(CHANNELS),
        externalId: `SIM-${opts.seed}-${i + 1}`,
        currency: 'EUR',
        customer: { email: customer.email, name: customer.name },
        shippingAddress: {
          name: customer.name,
          line1: `${r.int(1, 250)} Market Street`,
          city,
          postalCode,
          country,
        },
        shippingMethod: express ? 'express' : 'standard',
        paymentMethod,
        payment: paymentMethod === 'cod' ? {} : { card },
        lines: delivered,
        totals: {
          subtotal: money(subtotal),
          shipping: money(shipping),
          tax: money(Math.round((subtotal * 21) / 121)),
          total: money(subtotal + shipping),
        },
        tags: ['simulation'],
        placedAt: new Date(t).toISOString(),
      },
      fate: {
        transitDays: r.int(2, 3),
        delayDays: r.chance(o.deliveryDelayShare) ? r.int(2, 5) : 0,
        returns: returning
          ? (() => {
              const line = r.pick(delivered)
              const reason = r.weighted(RETURN_REASONS)
              const condition =
                reason === 'damaged'
                  ? 'damaged'
                  : r.weighted([
                      ['resellable', 0.75],
                      ['opened', 0.25],
                    ] as const)
              return {
                reason,
                afterDays: r.int(1, 14),
                lines: [{ sku: line.sku, quantity: r.chance(0.7) ? 1 : line.quantity }],
                condition,
                transitDays: r.int(2, 5),
              }
            })()
          : null,
        feedback: r.chance(o.feedbackShare)
          ? { rating, afterDays: r.int(1, 7), comment: COMMENTS[rating]! }
          : null,
        pickError: r.chance(o.pickErrorShare),
      },
    })
  }
  return { orders, outOfStock }
}
