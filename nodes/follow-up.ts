import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'

const DAY = 86_400_000

/**
 * N days after delivery asks for a review; a `feedback` event `{ rating: 1-5, comment? }` goes to
 * `positive` or `negative` (negative alerts support by email with the order and the comment);
 * no answer by the deadline goes to `noResponse`. Feedback that comes before the request is
 * taken as it is.
 */
export const followUp = defineNode({
  type: 'follow-up',
  title: 'Follow up',
  description: 'Asks for a review after delivery; routes negative feedback to support.',
  category: 'After sale',
  icon: 'message-square-heart',
  ports: ['positive', 'negative', 'noResponse'],
  waits: true,
  config: z.object({
    delayDays: z.number().min(0).max(90).default(3).describe('Days after delivery before asking'),
    responseDays: z.number().min(0).max(90).default(14).describe('Days to wait for an answer'),
    positiveFrom: z.number().int().min(1).max(5).default(4).describe('Ratings from this up are positive'),
    supportEmail: z.email().default('support@example.com').describe('Who hears about negative feedback'),
  }),
  async run(config, ctx) {
    const now = ctx.clock.now()
    const event = ctx.wake?.event
    if (event) {
      const rating = Number(event.data.rating)
      const comment = typeof event.data.comment === 'string' ? event.data.comment : ''
      if (!Number.isFinite(rating))
        return { wait: { events: ['feedback'], until: until(ctx.state) }, state: ctx.state }
      if (rating >= config.positiveFrom) return { port: 'positive', output: { rating, comment } }
      await ctx.sendEmail('support-alert', {
        to: config.supportEmail,
        data: { reason: 'Negative feedback', feedback: { rating, comment } },
      })
      await ctx.setAttributes({ feedback: { rating, comment } })
      return { port: 'negative', output: { rating, comment } }
    }
    if (ctx.wake?.timedOut && ctx.state.phase === 'asked') return { port: 'noResponse' }
    if (ctx.wake?.timedOut || config.delayDays === 0) {
      await ctx.sendEmail('review-request')
      const deadline = new Date(now.getTime() + config.responseDays * DAY)
      return {
        wait: { events: ['feedback'], until: deadline },
        state: { phase: 'asked', until: deadline.toISOString() },
      }
    }
    const delivered =
      typeof ctx.order.attributes.deliveredAt === 'string' ? new Date(ctx.order.attributes.deliveredAt) : now
    const askAt = new Date(Math.max(now.getTime(), delivered.getTime() + config.delayDays * DAY))
    return {
      wait: { events: ['feedback'], until: askAt },
      state: { phase: 'delay', until: askAt.toISOString() },
    }
  },
})

const until = (state: Record<string, unknown>) =>
  typeof state.until === 'string' ? new Date(state.until) : undefined
