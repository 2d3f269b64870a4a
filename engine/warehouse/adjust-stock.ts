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
  const row = await tx
    .selectFrom('inventory')
    .select(['on_hand', 'reserved'])
    .where('sku', '=', sku)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('Product', sku)
  const onHand = 'delta' in change ? row.on_hand + change.delta : change.onHand
  if (onHand < row.reserved) {
    throw new ApiError(
      409,
      'stock_reserved',
      `SKU "${sku}" cannot go to ${onHand} on hand: ${row.reserved} units are reserved for orders. Cancel or ship those orders first, or adjust by at least ${row.reserved - row.on_hand}.`,
    )
  }
  const updated = await tx
    .updateTable('inventory')
    .set({ on_hand: onHand, updated_at: new Date() })
    .where('sku', '=', sku)
    .returning(['on_hand', 'reserved'])
    .executeTakeFirstOrThrow()
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
