import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'

/** Renders a Handlebars template with the order and puts it in the outbox (once per step). */
export const sendEmail = defineNode({
  type: 'send-email',
  title: 'Send email',
  description: 'Sends a templated email to the customer (or another address) through the outbox.',
  category: 'Messaging',
  icon: 'mail',
  ports: ['sent'],
  config: z.object({
    template: z.string().min(1).describe('Template key, e.g. "order-confirmation"'),
    to: z.email().optional().describe("Recipient; empty sends to the customer's address"),
  }),
  async run({ template, to }, ctx) {
    await ctx.sendEmail(template, { to })
    return { port: 'sent', output: { template } }
  },
})
