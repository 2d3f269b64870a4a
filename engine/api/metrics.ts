import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { flowMetrics } from '../metrics/flow-metrics.ts'
import { DEFAULT_SLA, kpis } from '../metrics/kpis.ts'
import { windowQuery } from '../metrics/window.ts'
import { type Env, guard, readQuery } from './guard.ts'

const readers = ['analyst', 'operations'] as const

const metricsQuery = windowQuery({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('a published version; empty: all versions together'),
})

const hours = z.coerce
  .number()
  .int()
  .min(1)
  .max(24 * 60)
const kpiQuery = windowQuery({
  flow: z.string().min(1).max(100).optional().describe('only orders run by this flow'),
  channel: z.string().min(1).max(100).optional().describe('only orders from this sales channel'),
  bucket: z
    .enum(['day', 'week', 'month'])
    .optional()
    .describe('also return a series per day, week or month (UTC)'),
  slaHours: hours
    .default(DEFAULT_SLA.standardHours)
    .describe('on-time ship SLA for standard shipments, hours'),
  expressSlaHours: hours
    .default(DEFAULT_SLA.expressHours)
    .describe('on-time ship SLA for express shipments, hours'),
})

/** Per-node metrics of a flow and the order KPIs, for analysts and the editor's metrics mode. */
export function metricsRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get(
    '/flows/:id/metrics',
    guard({ summary: 'Per-node and per-edge metrics of a flow', roles: [...readers], query: metricsQuery }),
    async (c) => {
      const { from, to, version } = readQuery(c, metricsQuery)
      return c.json(await flowMetrics(db, { flowId: c.req.param('id'), version, from, to }))
    },
  )
  app.get(
    '/kpis',
    guard({ summary: 'Order KPIs over the orders placed in a window', roles: [...readers], query: kpiQuery }),
    async (c) => {
      const { from, to, flow, channel, bucket, slaHours, expressSlaHours } = readQuery(c, kpiQuery)
      const report = await kpis(
        db,
        { from, to, flowId: flow, channel },
        { bucket, sla: { standardHours: slaHours, expressHours: expressSlaHours } },
      )
      return c.json(report)
    },
  )
  return app
}
