import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'

/** The trigger: every run starts here when its order is received. */
export const receive = defineNode({
  type: 'receive',
  title: 'Receive order',
  description: 'Starts the flow when an order arrives from any sales channel.',
  category: 'Triggers',
  icon: 'inbox',
  ports: ['next'],
  trigger: true,
  writesNothing: true,
  config: z.object({
    status: z.string().default('processing').describe('Order status set when the run starts'),
  }),
  async run({ status }, ctx) {
    await ctx.setStatus(status)
    return { port: 'next' }
  },
})
