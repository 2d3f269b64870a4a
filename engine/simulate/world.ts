import { sql } from 'kysely'
import type { Db } from '../db.ts'
import { postEvent } from '../runner/events.ts'
import { adjustStock } from '../warehouse/adjust-stock.ts'
import { confirmPick, expectedScan } from '../warehouse/confirm-pick.ts'
import { notifyPicked, notifyRestocked } from '../warehouse/notify.ts'
import type { OrderFate } from './order-stream.ts'
import type { Calendar, SimClock } from './sim-clock.ts'

const MINUTE = 60_000
const DAY = 86_400_000

type Reply = { afterMs: number; data: Record<string, unknown> } | null

/**
 * Everyone outside the engine, simulated: warehouse staff confirm released pick lists and
 * packs, the carrier delivers, suppliers restock, customers request returns, send them back
 * and leave feedback. It looks at what the runs are waiting for and answers per each order's
 * seeded fate, at a simulated time; event types it does not know get no answer (their waits
 * run to their deadlines).
 */
export class World {
  private seen = new Set<string>()
  private confirming = new Set<number>()

  constructor(
    private db: Db,
    private clock: SimClock,
    private calendar: Calendar,
    private fates: Map<string, OrderFate>,
  ) {}

  /** What a customer, carrier or warehouse does about a wait for `type`, given the order's fate. */
  private reply(type: string, fate: OrderFate | undefined, orderId: number, service: string | null): Reply {
    const at = (ms: number) => new Date(this.clock.now().getTime() + ms).toISOString()
    switch (type) {
      case 'packed':
        return { afterMs: 10 * MINUTE, data: { by: 'simulation' } }
      case 'picked':
        return { afterMs: 20 * MINUTE, data: { by: 'simulation', orderId } }
      case 'delivered': {
        // the carrier delivers by the service the order was booked with
        const ms = ((service === 'express' ? 1 : (fate?.transitDays ?? 2)) + (fate?.delayDays ?? 0)) * DAY
        return { afterMs: ms, data: { deliveredAt: at(ms) } }
      }
      case 'payment_captured':
        return { afterMs: (fate?.transitDays ?? 2) * DAY, data: { by: 'carrier' } }
      case 'return_requested': {
        const r = fate?.returns
        if (!r) return null
        const ms = r.afterDays * DAY
        return {
          afterMs: ms,
          data: { reason: r.reason, lines: r.lines, comment: 'simulated return', requestedAt: at(ms) },
        }
      }
      case 'return_received': {
        const r = fate?.returns
        return r ? { afterMs: r.transitDays * DAY, data: { condition: r.condition } } : null
      }
      case 'feedback': {
        const f = fate?.feedback
        return f ? { afterMs: f.afterDays * DAY, data: { rating: f.rating, comment: f.comment } } : null
      }
      default:
        return null
    }
  }

  /** Looks at every wait once and schedules the outside world's answer; picks released lists. */
  async observe(): Promise<void> {
    const waiting = await sql<{
      id: number
      events: string[]
      until: Date | null
      order_id: number
      external_id: string
      has_list: boolean
      service: string | null
    }>`
      select s.id, s.wait_events as events, s.wait_until as until, r.order_id, o.external_id,
        exists (select 1 from pick_list_lines pl where pl.order_id = r.order_id) as has_list,
        (select sh.service from shipments sh where sh.order_id = r.order_id order by sh.id desc limit 1) as service
      from steps s join runs r on r.id = s.run_id join orders o on o.id = r.order_id
      where s.status = 'waiting'`.execute(this.db)
    for (const w of waiting.rows) {
      const key = `${w.id}|${w.events.join(',')}|${w.until?.getTime() ?? ''}`
      if (this.seen.has(key)) continue
      this.seen.add(key)
      const fate = this.fates.get(w.external_id)
      for (const type of w.events) {
        // a pick node hears "picked" from its pick lists being confirmed, below
        if (type === 'picked' && w.has_list) continue
        const r = this.reply(type, fate, w.order_id, w.service)
        if (!r) continue
        // answer once per order and event type, even when the wait is looked at again
        const once = `${w.order_id}|${type}|${JSON.stringify(w.events)}`
        if (this.seen.has(once)) continue
        this.seen.add(once)
        this.calendar.add(this.clock.now().getTime() + r.afterMs, () =>
          postEvent(this.db, w.order_id, type, r.data, 'simulation').then(() => {}),
        )
      }
    }
    await this.pickReleasedLists()
  }

  /** Warehouse staff take each released list and confirm it 20 minutes later, sometimes one short. */
  private async pickReleasedLists() {
    const lists = await this.db
      .selectFrom('pick_lists')
      .select('id')
      .where('status', '=', 'released')
      .execute()
    for (const { id } of lists) {
      if (this.confirming.has(id)) continue
      this.confirming.add(id)
      this.calendar.add(this.clock.now().getTime() + 20 * MINUTE, () => this.confirm(id))
    }
  }

  private async confirm(listId: number) {
    await this.db.transaction().execute(async (tx) => {
      const list = await tx
        .selectFrom('pick_lists')
        .select('status')
        .where('id', '=', listId)
        .forUpdate()
        .executeTakeFirst()
      if (list?.status !== 'released') return // the pick node auto-confirmed it
      const orders = await tx
        .selectFrom('pick_list_lines')
        .innerJoin('orders', 'orders.id', 'pick_list_lines.order_id')
        .select('orders.external_id')
        .where('pick_list_id', '=', listId)
        .execute()
      const scan = await expectedScan(tx, listId)
      if (orders.some((o) => this.fates.get(o.external_id)?.pickError) && scan[0])
        scan[0] = { ...scan[0], quantity: scan[0].quantity - 1 }
      const done = await confirmPick(tx, listId, scan, this.clock.now())
      await notifyPicked(tx, done.completedOrders, listId)
    })
  }

  /** Goods in for out-of-stock SKUs every `everyDays`, until `until`; backordered orders hear of it. */
  scheduleRestocks(skus: string[], units: number, everyDays: number, from: number, until: number) {
    for (let t = from + everyDays * DAY; t <= until; t += everyDays * DAY) {
      this.calendar.add(t, async () => {
        for (const sku of skus) {
          await this.db.transaction().execute(async (tx) => {
            const adj = await adjustStock(tx, sku, { delta: units })
            await notifyRestocked(tx, adj.backorderedOrders, sku, adj.after.available)
          })
        }
      })
    }
  }
}
