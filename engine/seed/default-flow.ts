import type { Graph, GraphNode } from '../graph.ts'

/**
 * The order process seeded on first start and used for orders that name no flow (DESIGN.md):
 * receive → confirm → pay (failed → email → end) → rules → check-stock (short → backorder wait →
 * check again) → pick (batch) → pack → ship → await delivery → follow-up → return window → end.
 */
export const DEFAULT_FLOW_ID = 'default'

const rule = (name: string, conditions: unknown, params: Record<string, unknown>, priority = 1) => ({
  name,
  conditions,
  event: { type: 'set', params },
  priority,
})
const fact = (f: string, path: string, operator: string, value: unknown) => ({ fact: f, path, operator, value })

export const DEFAULT_RULES = [
  rule('Express shipping gets high priority', { all: [fact('order', 'shippingMethod', 'equal', 'express')] }, { priority: 'high', express: true, carrierService: 'express' }, 10),
  rule('Orders over 100 get a gift', { all: [fact('order', 'total', 'greaterThanInclusive', 100)] }, { gift: true }),
  rule('First orders get a handwritten note', { all: [fact('customer', 'firstOrder', 'equal', true)] }, { note: 'Thank you for your first order!' }),
  rule('Fragile goods get bubble wrap', { all: [fact('products', 'fragile', 'equal', true)] }, { packaging: 'bubble wrap' }, 5),
  rule('Heavy parcels get packing peanuts', { all: [fact('products', 'totalWeightKg', 'greaterThan', 10), fact('products', 'fragile', 'equal', false)] }, { packaging: 'packing peanuts' }),
  rule('Loyal customers get a discount code', { all: [fact('customer', 'orderCount', 'greaterThanInclusive', 5)] }, { discountCode: 'THANKYOU10' }),
]

export function defaultFlowGraph(): Graph {
  const at = (col: number, row: number) => ({ x: col * 260, y: row * 160 })
  const node = (id: string, type: string, label: string, config: Record<string, unknown>, col: number, row: number): GraphNode => ({ id, type, label, config, position: at(col, row) })
  const nodes = [
    node('receive', 'receive', 'Order received', {}, 0, 0),
    node('confirm', 'send-email', 'Order confirmation', { template: 'order-confirmation' }, 1, 0),
    node('pay', 'pay', 'Capture payment', {}, 2, 0),
    node('payment-failed', 'send-email', 'Payment failed email', { template: 'payment-failed' }, 3, 1),
    node('end-unpaid', 'end', 'Unpaid', { status: 'payment_failed' }, 4, 1),
    node('rules', 'set', 'Priority, gifts, packaging', { rules: DEFAULT_RULES }, 3, 0),
    node('stock', 'check-stock', 'Reserve stock', { onShortage: 'backorder', expectedDays: 7 }, 4, 0),
    node('backorder', 'wait', 'Wait for restock', { events: ['restocked'] }, 4, -1),
    node('end-cancelled', 'end', 'Cancelled', { status: 'cancelled' }, 5, 1),
    node('pick', 'pick', 'Pick (batch)', { strategy: 'batch', batchSize: 10, batchWindowMinutes: 15 }, 5, 0),
    node('pack', 'pack', 'Pack', {}, 6, 0),
    node('needs-attention', 'end', 'Pack mismatch', { status: 'needs_attention' }, 7, 1),
    node('ship', 'ship', 'Ship', {}, 7, 0),
    node('delivery', 'await-delivery', 'Await delivery', { deadlineDays: 10 }, 8, 0),
    node('follow-up', 'follow-up', 'Ask for feedback', { delayDays: 3, responseDays: 14 }, 9, 0),
    node('return', 'return', 'Return window', {}, 10, 0),
    node('end', 'end', 'Done', { status: 'completed' }, 11, 0),
  ]
  const edges: Graph['edges'] = []
  const link = (source: string, port: string, target: string) => edges.push({ id: `${source}.${port}->${target}`, source, sourceHandle: port, target })
  link('receive', 'next', 'confirm')
  link('confirm', 'sent', 'pay')
  link('pay', 'paid', 'rules')
  link('pay', 'failed', 'payment-failed')
  link('payment-failed', 'sent', 'end-unpaid')
  link('rules', 'next', 'stock')
  link('stock', 'inStock', 'pick')
  // partial (only with onShortage "partial"): ship what is reserved now, and wait for the rest
  link('stock', 'partial', 'pick')
  link('stock', 'partial', 'backorder')
  link('stock', 'outOfStock', 'backorder')
  link('stock', 'cancelled', 'end-cancelled')
  link('stock', 'dropshipped', 'delivery')
  link('backorder', 'event', 'stock')
  link('pick', 'picked', 'pack')
  link('pack', 'packed', 'ship')
  link('pack', 'mismatch', 'needs-attention')
  link('ship', 'shipped', 'delivery')
  link('delivery', 'delivered', 'follow-up')
  link('delivery', 'late', 'follow-up')
  for (const port of ['positive', 'negative', 'noResponse']) link('follow-up', port, 'return')
  for (const port of ['refunded', 'rejected', 'noReturn']) link('return', port, 'end')
  return { nodes, edges }
}
