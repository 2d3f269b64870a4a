import { z } from 'zod'
import { StepFailed } from '../engine/errors.ts'
import { defineNode, type NodeDefinition } from '../engine/node-contract.ts'
import { getNodeType, registerNodeType } from '../nodes/index.ts'

/** Orders (by external id) whose `test-flaky` step should fail permanently right now. */
export const failingOrders = new Set<string>()

/**
 * A node standing in for an unreliable outside call: throws a transient error on its first
 * `transientFailures` attempts, and a permanent one while its order is in `failingOrders`.
 */
const flaky = defineNode({
  type: 'test-flaky',
  title: 'Flaky (test)',
  description: 'Fails on purpose, for tests.',
  category: 'Test',
  icon: 'bug',
  ports: ['ok'],
  config: z.object({ transientFailures: z.number().int().min(0).default(0) }),
  async run({ transientFailures }, ctx) {
    if (failingOrders.has(ctx.order.externalId)) throw new StepFailed('the test says this order fails')
    if (ctx.step.attempt <= transientFailures) throw new Error(`transient failure on attempt ${ctx.step.attempt}`)
    return { port: 'ok', output: { attempt: ctx.step.attempt } }
  },
})

/** Writes a row and queues an email, then fails permanently: its writes must roll back alone. */
const writeThenFail = defineNode({
  type: 'test-write-then-fail',
  title: 'Write then fail (test)',
  description: 'Writes, then fails on purpose, for tests.',
  category: 'Test',
  icon: 'bug',
  ports: ['ok'],
  config: z.object({}),
  async run(_config, ctx) {
    await ctx.tx.insertInto('events').values({ order_id: ctx.order.id, type: 'test-written', data: '{}', source: 'test' }).execute()
    await ctx.sendEmail('shipped', { data: { tracking: { number: 'T1', url: 'https://example.com/t/T1', carrier: 'test', service: 'standard' } } })
    throw new StepFailed('written, then failed')
  },
})

export function registerTestNodes() {
  for (const node of [flaky, writeThenFail]) if (!getNodeType(node.type)) registerNodeType(node as NodeDefinition)
  registerSlowNode()
}

/** Sends an email and then holds its transaction open, so a test can kill the worker mid-step. */
const slow = defineNode({
  type: 'test-slow',
  title: 'Slow (test)',
  description: 'Sends an email, then works for a while inside its transaction.',
  category: 'Test',
  icon: 'clock',
  ports: ['ok'],
  config: z.object({ sleepMs: z.number().int().min(0).default(2000), template: z.string().default('order-confirmation') }),
  async run({ sleepMs, template }, ctx) {
    await ctx.sendEmail(template)
    await new Promise((r) => setTimeout(r, sleepMs))
    return { port: 'ok' }
  },
})

export function registerSlowNode() {
  if (!getNodeType(slow.type)) registerNodeType(slow as NodeDefinition)
}
