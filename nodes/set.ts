import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'
import { buildFacts } from '../engine/rule-facts.ts'
import { ruleSchema } from '../engine/rules.ts'

/** Rules set order attributes: priority, express, gift, packaging, carrier service, tags. */
export const set = defineNode({
  type: 'set',
  title: 'Set by rules',
  description: 'Evaluates rules on the order and sets attributes such as priority, gift or packaging.',
  category: 'Logic',
  icon: 'sliders',
  ports: ['next'],
  writesNothing: true,
  config: z.object({
    rules: z.array(ruleSchema).default([]).describe('Rules firing set events'),
  }),
  async run({ rules }, ctx) {
    const outcome = await ctx.rules.evaluate(rules, await buildFacts(ctx.tx, ctx.order))
    const { tags, ...attributes } = outcome.set
    if (Object.keys(attributes).length > 0) await ctx.setAttributes(attributes)
    if (Array.isArray(tags)) await ctx.setAttributes({ tags: [...new Set([...(ctx.order.tags ?? []), ...tags])] })
    return { port: 'next', output: { fired: outcome.fired.map((f) => f.name), set: outcome.set } }
  },
})
