import { type Env, guard } from './guard.ts'
import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import type { PickListStatus } from '../db-types.ts'
import { ApiError, notFound } from '../errors.ts'
import { confirmPick } from '../warehouse/confirm-pick.ts'
import { notifyPicked } from '../warehouse/notify.ts'
import { postEvent } from '../runner/events.ts'
import { parseBody } from './products.ts'

const confirmBody = z.object({
  scanned: z
    .array(z.object({ sku: z.string().min(1).max(100), quantity: z.number().int().min(0).max(100_000) }))
    .max(1000)
    .describe('what the picker scanned; SKUs may repeat'),
})
const STATUSES = ['open', 'released', 'picked'] as const
const carrierEventBody = z.object({
  trackingNumber: z.string().min(1).max(100),
  type: z.enum(['in_transit', 'delivered', 'lost']),
  at: z.iso.datetime({ offset: true }).optional().describe('when it happened (default: now)'),
})

/** Warehouse floor: pick lists to work on, pick confirmation, shipping labels. */
export function warehouseRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()

  app.get('/api/pick-lists', guard({ summary: 'Pick lists, next first', roles: ['warehouse', 'operations'] }), async (c) => {
    const status = c.req.query('status') ?? 'released'
    if (status !== 'all' && !STATUSES.includes(status as PickListStatus)) {
      throw new ApiError(400, 'invalid_request', `status must be one of ${STATUSES.join(', ')} or all`)
    }
    let q = db.selectFrom('pick_lists').selectAll()
    if (status !== 'all') q = q.where('status', '=', status as PickListStatus)
    // the order a picker should work through them: priority first, then oldest
    const lists = await q
      .orderBy('priority', 'desc')
      .orderBy('released_at')
      .orderBy('id')
      .limit(200)
      .execute()
    const lines = lists.length
      ? await db
          .selectFrom('pick_list_lines')
          .selectAll()
          .where(
            'pick_list_id',
            'in',
            lists.map((l) => l.id),
          )
          .orderBy('zone')
          .orderBy('bin')
          .orderBy('id')
          .execute()
      : []
    return c.json({
      pickLists: lists.map((l) => ({
        id: l.id,
        strategy: l.strategy,
        zone: l.zone,
        wave: l.wave,
        status: l.status,
        priority: l.priority,
        createdAt: l.created_at,
        releaseAt: l.release_at,
        releasedAt: l.released_at,
        pickedAt: l.picked_at,
        lines: lines
          .filter((x) => x.pick_list_id === l.id)
          .map((x) => ({
            orderId: x.order_id,
            sku: x.sku,
            zone: x.zone,
            bin: x.bin,
            quantity: x.quantity,
            pickedQuantity: x.picked_quantity,
          })),
      })),
    })
  })

  app.post('/api/pick-lists/:id/confirm', guard({ summary: 'Confirm a pick with the scanned items', roles: ['warehouse', 'operations'] }), async (c) => {
    const id = Number(c.req.param('id'))
    if (!Number.isSafeInteger(id)) throw notFound('Pick list', c.req.param('id'))
    const body = parseBody(confirmBody, await c.req.json().catch(() => ({})))
    const result = await db.transaction().execute(async (tx) => {
      const confirmation = await confirmPick(tx, id, body.scanned, new Date())
      // in the same transaction: an order is never marked picked without its run hearing of it
      await notifyPicked(tx, confirmation.completedOrders, id)
      return confirmation
    })
    return c.json(result)
  })

  // a carrier's tracking webhook, matched by tracking number; `delivered` wakes await-delivery
  app.post('/api/carrier/events', guard({ summary: 'Carrier event (e.g. delivered), by order or tracking number', roles: ['channel', 'operations', 'warehouse'] }), async (c) => {
    const body = parseBody(carrierEventBody, await c.req.json().catch(() => ({})))
    const at = body.at ? new Date(body.at) : new Date()
    const result = await db.transaction().execute(async (tx) => {
      const shipment = await tx
        .selectFrom('shipments')
        .select(['id', 'order_id', 'status'])
        .where('tracking_number', '=', body.trackingNumber)
        .forUpdate()
        .executeTakeFirst()
      if (!shipment) throw notFound('Shipment with tracking number', body.trackingNumber)
      if (shipment.status !== 'delivered') {
        await tx
          .updateTable('shipments')
          .set({ status: body.type, ...(body.type === 'delivered' ? { delivered_at: at } : {}) })
          .where('id', '=', shipment.id)
          .execute()
      }
      // a retried webhook for a delivered shipment posts nothing: a stale `delivered` would wake
      // the next wait for one at once
      const event =
        body.type === 'delivered' && shipment.status !== 'delivered'
          ? await postEvent(
              tx,
              shipment.order_id,
              'delivered',
              { trackingNumber: body.trackingNumber, deliveredAt: at.toISOString() },
              'carrier',
            )
          : undefined
      return {
        shipmentId: shipment.id,
        orderId: shipment.order_id,
        status: shipment.status === 'delivered' ? 'delivered' : body.type,
        event,
      }
    })
    return c.json(result, 201)
  })

  app.get('/api/shipments/:id/label', guard({ summary: 'The 4x6 shipping label (SVG)', roles: ['warehouse', 'operations'] }), async (c) => {
    const id = Number(c.req.param('id'))
    const row = Number.isSafeInteger(id)
      ? await db
          .selectFrom('shipments')
          .select(['label_svg', 'tracking_number'])
          .where('id', '=', id)
          .executeTakeFirst()
      : undefined
    if (!row) throw notFound('Shipment', c.req.param('id'))
    return c.body(row.label_svg, 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'content-disposition': `inline; filename="label-${row.tracking_number}.svg"`,
    })
  })

  return app
}
