import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import { ApiError, notFound } from '../errors.ts'

export interface StockLevel {
  onHand: number
  reserved: number
  available: number
}

export interface StockAdjustment {
  sku: string
  before: StockLevel
  after: StockLevel
  /** units that became available (0 when stock went down): > 0 means a `restocked` event */
  restocked: number
  /** orders with an open backorder for this SKU: who a `restocked` event is for */
  backorderedOrders: number[]
}

const level = (r: { on_hand: number; reserved: number }): StockLevel => ({
  onHand: r.on_hand,
  reserved: r.reserved,
  available: r.on_hand - r.reserved,
})

/**
 * Sets stock by a delta (goods in, shrinkage) or to a counted level (stocktake). On-hand may not
 * fall below what is reserved: those units are promised to orders; release them first.
 */
export async function adjustStock(
  tx: Tx,
  sku: string,
  change: { delta: number } | { onHand: number },
): Promise<StockAdjustment> {
  // read (locked), checked and written in one statement: a read-then-write in two would let
  // another order's statement in between when jobs share a transaction (runner/job-batcher.ts)
  const delta = 'delta' in change ? change.delta : null
  const counted = 'onHand' in change ? change.onHand : null
  const { rows } = await sql<{ on_hand: number; reserved: number; new_on_hand: number; updated: boolean }>`
    with cur as (
      select sku, on_hand, reserved, coalesce(on_hand + ${delta}::int, ${counted}::int) as new_on_hand
      from inventory where sku = ${sku} for update
    ),
    upd as (
      update inventory i set on_hand = cur.new_on_hand, updated_at = now()
      from cur where i.sku = cur.sku and cur.new_on_hand >= cur.reserved
      returning i.sku
    )
    select cur.on_hand, cur.reserved, cur.new_on_hand, exists (select 1 from upd) as updated from cur`.execute(tx)
  const row = rows[0]
  if (!row) throw notFound('Product', sku)
  const onHand = row.new_on_hand
  if (!row.updated) {
    throw new ApiError(
      409,
      'stock_reserved',
      `SKU "${sku}" cannot go to ${onHand} on hand: ${row.reserved} units are reserved for orders. Cancel or ship those orders first, or adjust by at least ${row.reserved - row.on_hand}.`,
    )
  }
  const updated = { on_hand: onHand, reserved: row.reserved }
  const before = level(row)
  const after = level(updated)
  const restocked = Math.max(0, after.available - before.available)
  const backorders =
    restocked > 0
      ? await tx
          .selectFrom('backorders')
          .select('order_id')
          .distinct()
          .where('sku', '=', sku)
          .where('status', '=', 'open')
          .orderBy('order_id')
          .execute()
      : []
  return { sku, before, after, restocked, backorderedOrders: backorders.map((b) => b.order_id) }
}
