import type { Tx } from '../db.ts'
import { queueEmail } from '../email/outbox.ts'
import type { NodeContext, WakeEvent } from '../node-contract.ts'
import type { Order } from '../orders/order-model.ts'
import type { RunnerDeps } from './deps.ts'

export interface StepRef {
  id: number
  runId: number
  nodeId: string
  visit: number
  attempt: number
  flowId: string
  flowVersion: number
}

/**
 * Builds the `ctx` a node's run() receives; every write goes through the step's transaction.
 * Order status and attributes change in memory (`markDirty`) and are written once per job by the
 * runner, which holds the order's row lock the whole time.
 */
export function nodeContext(
  tx: Tx,
  deps: RunnerDeps,
  step: StepRef,
  order: Order,
  wake: NodeContext['wake'],
  state: Record<string, unknown>,
  markDirty: () => void,
): NodeContext {
  // Stable across retries even when the job's transaction rolled back and the step row got a
  // new id: the visit number is recomputed the same way, so the same outside call keeps its key.
  const key = `run:${step.runId}:${step.nodeId}:${step.visit}`
  return {
    tx,
    run: { id: step.runId, flowId: step.flowId, flowVersion: step.flowVersion },
    order,
    step: { id: step.id, nodeId: step.nodeId, visit: step.visit, attempt: step.attempt, key },
    wake,
    state,
    async setAttributes(patch) {
      const { tags, ...rest } = patch
      order.attributes = { ...order.attributes, ...rest }
      if (Array.isArray(tags)) order.tags = tags.map(String)
      markDirty()
    },
    async setStatus(status) {
      order.status = status
      markDirty()
    },
    async sendEmail(template, opts = {}) {
      await queueEmail(tx, {
        key: `${key}:${template}`,
        orderId: order.id,
        stepId: step.id,
        template,
        to: opts.to ?? order.customer.email,
        order,
        extra: opts.data ?? {},
      })
    },
    rules: deps.rules,
    services: deps.services,
    clock: deps.clock,
    log: deps.log.child({ runId: step.runId, stepId: step.id, nodeId: step.nodeId }),
  }
}

export function toWakeEvent(row: { id: number; type: string; data: Record<string, unknown>; created_at: Date }): WakeEvent {
  return { id: row.id, type: row.type, data: row.data, createdAt: row.created_at }
}

/** Writes the in-memory order changes of a job in one statement. */
export async function flushOrder(tx: Tx, order: Order) {
  await tx
    .updateTable('orders')
    .set({ status: order.status, attributes: JSON.stringify(order.attributes), tags: order.tags, updated_at: new Date() })
    .where('id', '=', order.id)
    .execute()
}
