import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'

const durationMs = z.number().int().min(0).max(366 * 24 * 3600 * 1000)

/** Parks the run until an event for the order arrives or a duration passes, whichever is first. */
export const wait = defineNode({
  type: 'wait',
  title: 'Wait',
  description: 'Waits for an event for this order (e.g. "packed") and/or a duration.',
  category: 'Timing',
  icon: 'hourglass',
  ports: ['event', 'timeout'],
  waits: true,
  writesNothing: true,
  config: z
    .object({
      events: z.array(z.string().min(1)).default([]).describe('Event types that end the wait'),
      timeoutMs: durationMs.optional().describe('Duration in milliseconds; empty waits for ever'),
    })
    .refine((c) => c.events.length > 0 || c.timeoutMs !== undefined, {
      message: 'set at least one event type or a timeout, or the run would wait for ever',
    }),
  async run({ events, timeoutMs }, ctx) {
    if (ctx.wake?.event) return { port: 'event', output: { event: ctx.wake.event.type } }
    if (ctx.wake?.timedOut) return { port: 'timeout' }
    const until = timeoutMs === undefined ? undefined : new Date(ctx.clock.now().getTime() + timeoutMs)
    return { wait: { events, until } }
  },
})
