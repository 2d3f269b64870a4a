import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { type Env, guard, readQuery } from './guard.ts'

const query = z.object({
  action: z.string().max(100).optional().describe('e.g. flow.published, or a prefix such as "token."'),
  actor: z.string().max(200).optional(),
  target: z.string().max(200).optional().describe('e.g. order:42, channel:3'),
  since: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().positive().optional().describe('entries older than this id (paging)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

/** The audit log of every change: who, when, what. Newest first; page with `before`. */
export function auditRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get('/', guard({ summary: 'The audit log, newest first', roles: [], query }), async (c) => {
    const q = readQuery(c, query)
    let sel = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit)
    if (q.action)
      sel = q.action.endsWith('.')
        ? sel.where('action', 'like', `${q.action.replace(/[%_\\]/g, '\\$&')}%`)
        : sel.where('action', '=', q.action)
    if (q.actor) sel = sel.where('actor', '=', q.actor)
    if (q.target) sel = sel.where('target', '=', q.target)
    if (q.since) sel = sel.where('at', '>=', new Date(q.since))
    if (q.before) sel = sel.where('id', '<', q.before)
    const rows = await sel.execute()
    return c.json({
      entries: rows.map((r) => ({
        id: r.id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details,
        at: r.at,
      })),
      nextBefore: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
    })
  })
  return app
}
