import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'

/** Ends this branch of the run; the run completes when no branch is left open. */
export const end = defineNode({
  type: 'end',
  title: 'End',
  description: 'Finishes this path of the flow and sets the final order status.',
  category: 'Logic',
  icon: 'flag',
  ports: [],
  writesNothing: true,
  config: z.object({
    status: z.string().min(1).default('completed').describe('Order status when the run ends here'),
  }),
  async run({ status }, ctx) {
    await ctx.setStatus(status)
    return { end: true }
  },
})
