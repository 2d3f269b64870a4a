import type { Graph } from '../graph.ts'

/**
 * The flow seeded on first start. It is replaced by the full order process as the order-domain
 * nodes land (see engine/seed/seed.ts).
 */
export const DEFAULT_FLOW_ID = 'default'

export function defaultFlowGraph(): Graph {
  return {
    nodes: [
      { id: 'receive', type: 'receive', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'priority',
        type: 'set',
        label: 'Priority rules',
        position: { x: 260, y: 0 },
        config: {
          rules: [
            {
              name: 'Express orders get high priority',
              conditions: { all: [{ fact: 'order', path: 'shippingMethod', operator: 'equal', value: 'express' }] },
              event: { type: 'set', params: { priority: 'high', express: true } },
              priority: 1,
            },
          ],
        },
      },
      { id: 'confirm', type: 'send-email', label: 'Order confirmation', config: { template: 'order-confirmation' }, position: { x: 520, y: 0 } },
      { id: 'end', type: 'end', config: { status: 'completed' }, position: { x: 780, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'receive', sourceHandle: 'next', target: 'priority' },
      { id: 'e2', source: 'priority', sourceHandle: 'next', target: 'confirm' },
      { id: 'e3', source: 'confirm', sourceHandle: 'sent', target: 'end' },
    ],
  }
}
