import pino from 'pino'
import { defaultServices } from '../adapters/index.ts'
import type { Db, Tx } from '../db.ts'
import type {
  Clock,
  NodeContext,
  NodeDefinition,
  NodeResult,
  NodeServices,
  WakeEvent,
} from '../node-contract.ts'
import type { Order } from '../orders/order-model.ts'
import { RuleEngineCache } from '../rules.ts'
import { addStep } from './testing.ts'

export interface SentEmail {
  template: string
  to: string
  data: Record<string, unknown>
}

/**
 * Drives one node through its life in tests, the way the runner does: each call runs `run()`
 * in its own committed transaction on a real database, hands back the state of the last wait,
 * and wakes it with an event or a timeout. Emails are recorded here (the outbox belongs to the
 * email layer); everything else is real.
 */
export class NodeHarness<C> {
  readonly emails: SentEmail[] = []
  state: Record<string, unknown> = {}
  private step?: { runId: number; stepId: number }
  private eventSeq = 0

  readonly services: NodeServices

  constructor(
    private readonly db: Db,
    private readonly def: NodeDefinition,
    readonly order: Order,
    readonly opts: { services?: NodeServices; clock?: Clock; config?: C } = {},
  ) {
    this.services = opts.services ?? defaultServices(db)
  }

  /** The first run of the step (or a retry of it, with the same key). */
  start(attempt = 1): Promise<NodeResult> {
    return this.exec(undefined, attempt)
  }

  /** Wake the waiting node with an event for the order. */
  event(type: string, data: Record<string, unknown> = {}, createdAt = new Date()): Promise<NodeResult> {
    const event: WakeEvent = { id: ++this.eventSeq, type, data, createdAt }
    return this.exec({ event })
  }

  timeout(): Promise<NodeResult> {
    return this.exec({ timedOut: true })
  }

  private async exec(wake: NodeContext['wake'], attempt = 1): Promise<NodeResult> {
    this.step ??= await addStep(this.db, this.order.id, this.def.type)
    const config = this.def.config.parse(this.opts.config ?? {})
    const result = await this.db
      .transaction()
      .execute((tx) => this.def.run(config, this.context(tx, wake, attempt)))
    if ('wait' in result) this.state = result.state ?? {}
    return result
  }

  private context(tx: Tx, wake: NodeContext['wake'], attempt: number): NodeContext {
    const { order } = this
    const step = this.step!
    return {
      tx,
      run: { id: step.runId, flowId: 'node-test', flowVersion: 1 },
      order,
      step: { id: step.stepId, nodeId: this.def.type, visit: 1, attempt, key: `step:${step.stepId}` },
      wake,
      state: this.state,
      setAttributes: async (patch) => {
        order.attributes = { ...order.attributes, ...patch }
        await tx
          .updateTable('orders')
          .set({ attributes: JSON.stringify(order.attributes) })
          .where('id', '=', order.id)
          .execute()
      },
      setStatus: async (status) => {
        order.status = status
        await tx.updateTable('orders').set({ status }).where('id', '=', order.id).execute()
      },
      sendEmail: async (template, o = {}) => {
        this.emails.push({ template, to: o.to ?? order.customer.email, data: o.data ?? {} })
      },
      rules: new RuleEngineCache(),
      services: this.services,
      clock: this.opts.clock ?? { now: () => new Date() },
      log: pino({ level: 'silent' }),
    }
  }
}

/** The output of a result that followed a port (undefined for a wait). */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read nested output freely
export function outputOf(result: NodeResult): Record<string, any> | undefined {
  return 'output' in result ? result.output : undefined
}
