import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'
import { buildFacts } from '../engine/rule-facts.ts'
import { ruleSchema } from '../engine/rules.ts'

/** Rules choose the output port: the highest-priority `route` rule that fires wins. */
export const decision = defineNode({
  type: 'decision',
  title: 'Decision',
  description: 'Routes the order to one output by rules over order, customer and product facts.',
  category: 'Logic',
  icon: 'git-branch',
  ports: ['default'],
  writesNothing: true,
  config: z
    .object({
      routes: z
        .array(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'a port name is a short camelCase word'))
        .min(1)
        .describe('Output ports the rules can route to'),
      rules: z.array(ruleSchema).default([]).describe('Rules firing route events'),
    })
    .superRefine((c, issue) => {
      c.rules.forEach((rule, i) => {
        if (rule.event.type === 'route' && !c.routes.includes(rule.event.params.port)) {
          issue.addIssue({
            code: 'custom',
            path: ['rules', i, 'event', 'params', 'port'],
            message: `rule "${rule.name}" routes to "${rule.event.params.port}", which is not one of the routes (${c.routes.join(', ')})`,
          })
        }
      })
    }),
  portsFromConfig: 'routes',
  async run({ rules }, ctx) {
    const outcome = await ctx.rules.evaluate(rules, await buildFacts(ctx.tx, ctx.order))
    return { port: outcome.route ?? 'default', output: { fired: outcome.fired.map((f) => f.name) } }
  },
})
