import { sql } from 'kysely'
import type { Db } from '../engine/db.ts'
import { publishFlow, saveDraft } from '../engine/flows/flows.ts'
import type { Graph } from '../engine/graph.ts'
import type { OrderInput } from '../engine/orders/order-model.ts'
import { defaultFlowGraph } from '../engine/seed/default-flow.ts'

/**
 * Simulation mode for the benchmark: the default flow with simulated payment and carrier (the
 * default services), picks auto-confirmed one order per list, and the windows that take days in
 * production (delivery deadline, feedback, returns) set to zero, so they end at once through
 * their deadline path. Stock is made plentiful so no order waits for a restock.
 */
export const SIMULATION_OVERRIDES: Record<string, Record<string, unknown>> = {
  pick: { strategy: 'single', autoConfirm: true },
  delivery: { deadlineDays: 0 },
  'follow-up': { delayDays: 0, responseDays: 0 },
  return: { windowDays: 0 },
}

export function simulationGraph(): Graph {
  const graph = defaultFlowGraph()
  for (const node of graph.nodes) Object.assign(node.config, SIMULATION_OVERRIDES[node.id] ?? {})
  return graph
}

export async function prepareSimulation(db: Db) {
  await saveDraft(db, 'default', { graph: simulationGraph() }, 'bench')
  await publishFlow(db, 'default', 'benchmark simulation mode', 'bench')
  await sql`update inventory set on_hand = 1000000000, reserved = 0`.execute(db)
  skus = (await db.selectFrom('products').select('sku').where('sku', '!=', 'D-BIKE-01').orderBy('sku').execute()).map((r) => r.sku)
}

let skus = ['MUG-01']

/** A deterministic synthetic order from the catalogue; every 10th is express. */
export function syntheticOrder(i: number): OrderInput {
  const qty = 1 + (i % 3)
  const sku = skus[i % skus.length]!
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
