import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'
import { sql } from 'kysely'
import type { Tx } from '../engine/db.ts'
import { confirmExactPick } from '../engine/warehouse/confirm-pick.ts'
import { notifyPicked } from '../engine/warehouse/notify.ts'
import {
  assertInCatalogue,
  type BinnedLine,
  orderPickState,
  pickPriority,
  placeOnLists,
  releaseDueLists,
} from '../engine/warehouse/pick-lists.ts'

const MINUTE = 60_000

/**
 * Puts the order's reserved units on pick lists by strategy and waits until every list it is on
 * has been confirmed (`picked` event from POST /api/pick-lists/:id/confirm). It also wakes at the
 * lists' own release time (batch window, wave) to release them, and every `pollMinutes` to look
 * again, so an order never hangs on a missed event.
 */
export const pick = defineNode({
  type: 'pick',
  title: 'Pick',
  description:
    'Creates pick lists (single, batch, zone or wave picking) and waits until the items are picked.',
  category: 'Warehouse',
  icon: 'scan-barcode',
  ports: ['picked'],
  waits: true,
  config: z.object({
    strategy: z
      .enum(['single', 'batch', 'zone', 'wave'])
      .default('batch')
      .describe('How orders are grouped into pick lists'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(10)
      .describe('Batch and zone: release a list at this many orders'),
    batchWindowMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .default(15)
      .describe('Batch and zone: ...or this long after it opened'),
    waveTimes: z
      .array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (UTC)'))
      .default([])
      .describe('Wave: release times (UTC); empty uses waveEveryMinutes'),
    waveEveryMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60)
      .describe('Wave: release every N minutes'),
    autoConfirm: z
      .boolean()
      .default(false)
      .describe('Confirm lists as soon as they are released (demos, simulation)'),
    pollMinutes: z
      .number()
      .min(0.01)
      .max(24 * 60)
      .default(5)
      .describe('Look again this often while waiting'),
  }),
  async run(config, ctx) {
    const { order, tx } = ctx
    const now = ctx.clock.now()
    let pickListIds = Array.isArray(ctx.state.pickListIds) ? (ctx.state.pickListIds as number[]) : undefined
    let listsDue = true
    if (!pickListIds) {
      const lines = await unpickedUnits(ctx.tx, order.id)
      if (lines.length === 0)
        return { port: 'picked', output: { pickListIds: [], note: 'nothing reserved to pick' } }
      const assigned = await placeOnLists(tx, order.id, lines, {
        strategy: config.strategy,
        now,
        priority: pickPriority(order.attributes),
        batchSize: config.batchSize,
        batchWindowMs: config.batchWindowMinutes * MINUTE,
        waves:
          config.waveTimes.length > 0
            ? { times: config.waveTimes }
            : { everyMinutes: config.waveEveryMinutes },
      })
      pickListIds = assigned.pickListIds
      listsDue = assigned.releaseAt !== null && assigned.releaseAt <= now
      await ctx.setStatus('picking')
    }
    // only this order's lists: releasing every due list would lock other orders' lists and
    // serialise concurrent pick steps; each order releases its own at its release time
    if (listsDue) await releaseDueLists(tx, now, pickListIds)
    const { lists, allPicked: pickedBefore } = await orderPickState(tx, order.id)
    let allPicked = pickedBefore
    if (config.autoConfirm && lists.some((l) => l.status === 'released')) {
      let raced = false
      for (const list of lists) {
        if (list.status !== 'released') continue
        const confirmed = await confirmExactPick(tx, list.id, now)
        if (!confirmed) raced = true
        else {
          list.status = 'picked'
          // the other orders on a batch list hear it now rather than at their next poll
          await notifyPicked(tx, confirmed.completedOrders.filter((id) => id !== order.id), list.id)
        }
      }
      // a list confirmed by someone else meanwhile: ask the database where the order stands
      allPicked = raced ? (await orderPickState(tx, order.id)).allPicked : lists.every((l) => l.status === 'picked')
    }
    if (allPicked) return { port: 'picked', output: { pickListIds } }
    const open = await tx
      .selectFrom('pick_lists')
      .select((eb) => eb.fn.min('release_at').as('at'))
      .where('id', 'in', pickListIds)
      .where('status', '=', 'open')
      .executeTakeFirst()
    const poll = now.getTime() + config.pollMinutes * MINUTE
    const releaseAt = open?.at ? new Date(open.at as Date).getTime() : Number.POSITIVE_INFINITY
    return {
      wait: { events: ['picked'], until: new Date(Math.min(poll, releaseAt)) },
      state: { pickListIds },
    }
  },
})

/**
 * Reserved units not yet on an unpacked pick line, with their bins: what this visit has to pick.
 * One query; a SKU missing from the catalogue fails the step.
 */
async function unpickedUnits(tx: Tx, orderId: number): Promise<BinnedLine[]> {
  const { rows } = await sql<{ sku: string; quantity: number; zone: string | null; bin: string | null }>`
    select r.sku, r.quantity - coalesce(l.quantity, 0) as quantity, p.zone, p.bin
    from (select sku, sum(quantity)::int as quantity from reservations
          where order_id = ${orderId} and status = 'reserved' group by sku) r
    left join (select sku, sum(quantity)::int as quantity from pick_list_lines
          where order_id = ${orderId} and packed_at is null group by sku) l on l.sku = r.sku
    left join products p on p.sku = r.sku
    where r.quantity > coalesce(l.quantity, 0)
    order by r.sku`.execute(tx)
  assertInCatalogue(rows.filter((r) => r.zone === null).map((r) => r.sku))
  return rows.map((r) => ({ sku: r.sku, quantity: r.quantity, zone: r.zone!, bin: r.bin! }))
}
