import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { notFound } from '../errors.ts'
import { IntakeBatcher } from '../orders/intake-batcher.ts'
import { orderInputSchema } from '../orders/order-model.ts'
import { listOrders, orderDetail } from '../orders/order-views.ts'
import { postEvent } from '../runner/events.ts'
import { cancelRun, retryRun } from '../runner/run-actions.ts'
import { rejectLateReturn } from '../warehouse/late-return.ts'
import { type Env, guard, idParam, readBody, readQuery } from './guard.ts'

const listQuery = z.object({
  status: z.string().max(50).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
})
const eventBody = z.object({
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'an event type is a lowercase word such as "delivered"'),
  data: z.record(z.string(), z.unknown()).default({}),
})
const cancelBody = z.object({ reason: z.string().max(500).optional() })
const readers = ['operations', 'analyst', 'warehouse', 'merchant'] as const

export function orderRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  // concurrent POSTs share statements under load (group commit); alone, one goes at once
  const intake = new IntakeBatcher(db)
  app.post('/', guard({ summary: 'Receive an order (idempotent on channel + externalId)', roles: ['channel', 'operations'], body: orderInputSchema }), async (c) => {
    const input = await readBody(c, orderInputSchema)
    const { id, created, status } = await intake.receive(input)
    return c.json({ id, created, status, channel: input.channel, externalId: input.externalId }, created ? 201 : 200)
  })
  app.get('/', guard({ summary: 'List orders', roles: [...readers], query: listQuery }), async (c) => c.json(await listOrders(db, readQuery(c, listQuery))))
  app.get('/:id', guard({ summary: 'An order with its run timeline', roles: [...readers] }), async (c) => c.json(await orderDetail(db, idParam(c))))
  app.post('/:id/events', guard({ summary: 'Post an event for the order', roles: ['operations', 'warehouse', 'channel'], body: eventBody }), async (c) => {
    const id = idParam(c)
    const { type, data } = await readBody(c, eventBody)
    const exists = await db.selectFrom('orders').select('id').where('id', '=', id).executeTakeFirst()
    if (!exists) throw notFound('Order', id)
    const event = await postEvent(db, id, type, data, `api:${c.get('actor').name}`)
    if (type === 'return_requested' && !event.matched) {
      const run = await db.selectFrom('runs').select('status').where('order_id', '=', id).executeTakeFirst()
      if (run && (run.status === 'completed' || run.status === 'cancelled')) {
        return c.json({ ...event, type, rejected: await rejectLateReturn(db, id, event.id, data) }, 201)
      }
    }
    return c.json({ ...event, type }, 201)
  })
  app.post('/:id/retry', guard({ summary: 'Retry a failed run from its failed step', roles: ['operations'] }), async (c) => {
    const id = idParam(c)
    return c.json({ run: await retryRun(db, id, c.get('actor').name) })
  })
  app.post('/:id/cancel', guard({ summary: 'Cancel the order and its run', roles: ['operations'], body: cancelBody }), async (c) => {
    const id = idParam(c)
    const { reason } = await readBody(c, cancelBody)
    return c.json({ run: await cancelRun(db, id, reason, c.get('actor').name) })
  })
  return app
}
