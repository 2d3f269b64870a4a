import type { Logger } from 'pino'
import type { CarrierAdapter, ChannelAdapter, PaymentAdapter } from './adapters/types.ts'
import type { z } from 'zod'
import type { Tx } from './db.ts'
import type { Order } from './orders/order-model.ts'
import type { RuleEngineCache } from './rules.ts'

/**
 * The contract every file in nodes/ implements. One definition drives the editor (palette,
 * handles, form from the JSON Schema of `config`), the validator and the runner.
 */
export interface NodeDefinition<C extends z.ZodType = z.ZodType> {
  /** kebab-case, equal to the file name in nodes/ */
  type: string
  title: string
  description: string
  /** palette group: Triggers, Logic, Timing, Messaging, Payment, Warehouse, Shipping, After sale */
  category: string
  /** a short icon name for the editor (Lucide-style) */
  icon: string
  /** Output port names when the config has no say; `error` is implicit on every node. */
  ports: readonly string[]
  /**
   * A config field (an array of port names) whose entries are output ports too, placed before
   * `ports`; e.g. a decision's `routes`. The editor applies the same rule to draw handles.
   */
  portsFromConfig?: string
  /** A trigger starts a run; a flow has exactly one. */
  trigger?: boolean
  /** The node can park the run (wait for an event or deadline); cycles need one of these. */
  waits?: boolean
  /**
   * The node writes nothing through `ctx.tx` and sends no email (it may read, and change the
   * order through `ctx.setStatus`/`setAttributes`): the runner then skips its savepoint.
   */
  writesNothing?: boolean
  config: C
  run(config: z.output<C>, ctx: NodeContext): Promise<NodeResult>
}

export type NodeResult =
  | { port: string; output?: Record<string, unknown> }
  /** this branch of the run ends here */
  | { end: true; output?: Record<string, unknown> }
  | {
      wait: {
        /** event types that end the wait */
        events?: string[]
        /** deadline; when it passes first the node runs again with `ctx.wake.timedOut` */
        until?: Date
      }
      /** kept on the step and handed back as `ctx.state` when the node wakes */
      state?: Record<string, unknown>
    }

export interface WakeEvent {
  id: number
  type: string
  data: Record<string, unknown>
  createdAt: Date
}

export interface NodeContext {
  /** The step's transaction: every write here commits with the step, or not at all. */
  tx: Tx
  run: { id: number; flowId: string; flowVersion: number }
  /** The order as it is now, attributes included; changes through `setAttributes`. */
  order: Order
  step: {
    id: number
    nodeId: string
    visit: number
    /** 1 on the first try */
    attempt: number
    /** Stable across retries of this step: the idempotency key for outside calls. */
    key: string
  }
  /** Why the node runs again after a wait; undefined on the first run of the step. */
  wake?: { event?: WakeEvent; timedOut?: boolean }
  /** What the node returned as `state` with its last wait. */
  state: Record<string, unknown>
  /** Merge into the order's attributes (priority, express, gift, packaging, ...). */
  setAttributes(patch: Record<string, unknown>): Promise<void>
  /** Set the order's status (shown on the orders list). */
  setStatus(status: string): Promise<void>
  /** Render a template and put the email in the outbox, once per step and template. */
  sendEmail(template: string, opts?: { to?: string; data?: Record<string, unknown> }): Promise<void>
  rules: RuleEngineCache
  services: NodeServices
  clock: Clock
  log: Logger
}

/** The outside world, behind interfaces so tests and simulation can swap in fakes. */
export interface NodeServices {
  payment: PaymentAdapter
  carrier: CarrierAdapter
  channel: ChannelAdapter
}

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** Identity helper that keeps `run`'s config typed by the schema. */
export function defineNode<C extends z.ZodType>(def: NodeDefinition<C>): NodeDefinition<C> {
  return def
}

/** The output ports of a node with this config (`error` not included). */
export function portsOf(def: NodeDefinition, config: Record<string, unknown>): string[] {
  const dynamic = def.portsFromConfig ? config[def.portsFromConfig] : undefined
  const extra = Array.isArray(dynamic) ? dynamic.filter((p): p is string => typeof p === 'string') : []
  return [...new Set([...extra, ...def.ports])]
}
