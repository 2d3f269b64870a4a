import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'
import { confirmPick, expectedScan } from '../engine/warehouse/confirm-pick.ts'
import { notifyPicked } from '../engine/warehouse/notify.ts'
import {
  addToPickLists,
  orderPickState,
  pickPriority,
  releaseDueLists,
} from '../engine/warehouse/pick-lists.ts'
import { type StockLine, sumBySku } from '../engine/warehouse/reserve-stock.ts'

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
    if (!pickListIds) {
      const lines = await unpickedUnits(ctx.tx, order.id)
      if (lines.length === 0)
        return { port: 'picked', output: { pickListIds: [], note: 'nothing reserved to pick' } }
      const assigned = await addToPickLists(tx, order.id, lines, {
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
      await ctx.setStatus('picking')
    }
    // only this order's lists: releasing every due list would lock other orders' lists and
    // serialise concurrent pick steps; each order releases its own at its release time
    await releaseDueLists(tx, now, pickListIds)
    if (config.autoConfirm) {
      for (const list of (await orderPickState(tx, order.id)).lists) {
        if (list.status !== 'released') continue
        const confirmed = await confirmPick(tx, list.id, await expectedScan(tx, list.id), now)
        // the other orders on a batch list hear it now rather than at their next poll
        await notifyPicked(
          tx,
          confirmed.completedOrders.filter((id) => id !== order.id),
          list.id,
        )
      }
    }
    const state = await orderPickState(tx, order.id)
    if (state.allPicked) return { port: 'picked', output: { pickListIds } }
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

/** Reserved units not yet on an unpacked pick line: what this visit has to pick. */
async function unpickedUnits(
  tx: Parameters<typeof orderPickState>[0],
  orderId: number,
): Promise<StockLine[]> {
  const reserved = await tx
    .selectFrom('reservations')
    .select(['sku', 'quantity'])
    .where('order_id', '=', orderId)
    .where('status', '=', 'reserved')
    .execute()
  const onLists = new Map(
    sumBySku(
      await tx
        .selectFrom('pick_list_lines')
        .select(['sku', 'quantity'])
        .where('order_id', '=', orderId)
        .where('packed_at', 'is', null)
        .execute(),
    ),
  )
  return sumBySku(reserved)
    .map(([sku, quantity]) => ({ sku, quantity: quantity - (onLists.get(sku) ?? 0) }))
    .filter((l) => l.quantity > 0)
}
