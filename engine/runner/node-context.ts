import type { Tx } from '../db.ts'
import { renderOutboxEmail } from '../email/outbox.ts'
import type { NodeContext, WakeEvent } from '../node-contract.ts'
import type { Order } from '../orders/order-model.ts'
import type { RunnerDeps } from './deps.ts'
import type { JobWrites } from './job-writes.ts'

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
 * Order status and attributes change in memory (`markDirty`), emails go to the job's buffer; the
 * runner writes both once per job (commitJob), holding the order's row lock the whole time.
 */
export function nodeContext(
  tx: Tx,
  deps: RunnerDeps,
  step: StepRef,
  order: Order,
  wake: NodeContext['wake'],
  state: Record<string, unknown>,
  markDirty: () => void,
  job: { writes: JobWrites; templatesStamp: string },
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
    // rendered now (a broken template fails this step), written with the job's other writes
    async sendEmail(template, opts = {}) {
      const row = await renderOutboxEmail(
        tx,
        {
          key: `${key}:${template}`,
          orderId: order.id,
          stepId: step.id,
          template,
          to: opts.to ?? order.customer.email,
          order,
          extra: opts.data ?? {},
        },
        job.templatesStamp,
      )
      job.writes.addEmail(row)
    },
    rules: deps.rules,
    services: deps.services,
    clock: deps.clock,
    log: deps.log.child({ runId: step.runId, stepId: step.id, nodeId: step.nodeId }),
  }
}

export function toWakeEvent(row: {
  id: number
  type: string
  data: Record<string, unknown>
  created_at: Date
}): WakeEvent {
  return { id: row.id, type: row.type, data: row.data, createdAt: row.created_at }
}
