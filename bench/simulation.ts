import type { Db } from '../engine/db.ts'
import type { OrderInput } from '../engine/orders/order-model.ts'

/**
 * Simulation mode for the benchmark: the default flow as seeded, with simulated payment and
 * carrier (the default services). Waits that would take days in production are shortened here.
 */
export async function prepareSimulation(db: Db) {
  void db
}

const SKUS = ['MUG-01', 'TEE-02', 'CAP-03', 'BAG-04']

/** A deterministic synthetic order; every 10th is express. */
export function syntheticOrder(i: number): OrderInput {
  const qty = 1 + (i % 3)
  const sku = SKUS[i % SKUS.length]!
  return {
    channel: 'bench',
    externalId: `B-${i}`,
    currency: 'EUR',
    customer: { email: `customer${i % 500}@example.com`, name: `Customer ${i % 500}` },
    shippingAddress: { name: 'Bench Customer', line1: '1 Test St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    shippingMethod: i % 10 === 0 ? 'express' : 'standard',
    paymentMethod: 'card',
    payment: {},
    lines: [{ sku, quantity: qty, unitPrice: '12.50' }],
    totals: { subtotal: (12.5 * qty).toFixed(2), shipping: '4.90', tax: '0.00', total: (12.5 * qty + 4.9).toFixed(2) },
    tags: [],
  }
}
