import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { type Env, guard, readQuery } from './guard.ts'

const query = z.object({
  orderId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export function emailRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get('/', guard({ summary: 'The outbox, newest first', roles: ['operations', 'merchant', 'analyst'], query }), async (c) => {
    const { orderId, limit } = readQuery(c, query)
    let q = db.selectFrom('emails').selectAll().orderBy('id', 'desc').limit(limit)
    if (orderId !== undefined) q = q.where('order_id', '=', orderId)
    const rows = await q.execute()
    return c.json({
      emails: rows.map((e) => ({
        id: e.id,
        key: e.key,
        orderId: e.order_id,
        template: e.template,
        templateVersion: e.template_version,
        to: e.to_address,
        subject: e.subject,
        status: e.status,
        error: e.error,
        createdAt: e.created_at,
        sentAt: e.sent_at,
        html: e.html,
        text: e.text,
      })),
    })
  })
  return app
}
