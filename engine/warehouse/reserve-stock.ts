import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import { faultPoint } from '../faults.ts'

export interface StockLine {
  sku: string
  quantity: number
}

export interface LineReservation {
  sku: string
  requested: number
  reserved: number
  short: number
}

export interface ReserveResult {
  lines: LineReservation[]
  /** inStock: every unit reserved; partial: some; outOfStock: none */
  status: 'inStock' | 'partial' | 'outOfStock'
}

/** Quantities summed per SKU, SKUs sorted: the fixed lock order that keeps orders from deadlocking. */
export function sumBySku(lines: readonly StockLine[]): [string, number][] {
  const totals = new Map<string, number>()
  for (const l of lines) totals.set(l.sku, (totals.get(l.sku) ?? 0) + l.quantity)
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Reserves stock for an order inside the caller's transaction. Per SKU, one conditional UPDATE
 * takes the whole quantity or nothing, so concurrent orders can never oversell: the row lock
 * serialises them and the `on_hand - reserved >= q` test runs on the latest committed row.
 * With `partial`, a SKU short of the full quantity takes what is available instead (the row is
 * locked first so the amount read is the amount taken).
 */
export async function reserveStock(
  tx: Tx,
  orderId: number,
  lines: readonly StockLine[],
  opts: { stepId?: number; partial?: boolean } = {},
): Promise<ReserveResult> {
  const reservedBySku = new Map<string, number>()
  for (const [sku, quantity] of sumBySku(lines)) {
    let taken = 0
    const full = await sql<{ sku: string }>`
      update inventory set reserved = reserved + ${quantity}, updated_at = now()
      where sku = ${sku} and on_hand - reserved >= ${quantity}
      returning sku`.execute(tx)
    faultPoint('during-reservation')
    if (full.rows.length > 0) taken = quantity
    else if (opts.partial) {
      const row = await sql<{ available: number }>`
        select on_hand - reserved as available from inventory where sku = ${sku} for update`.execute(tx)
      const available = Math.min(quantity, row.rows[0]?.available ?? 0)
      if (available > 0) {
        await sql`update inventory set reserved = reserved + ${available}, updated_at = now()
          where sku = ${sku} and on_hand - reserved >= ${available}`.execute(tx)
        taken = available
      }
    }
    if (taken > 0) {
      await tx
        .insertInto('reservations')
        .values({ order_id: orderId, sku, quantity: taken, step_id: opts.stepId ?? null })
        .execute()
    }
    reservedBySku.set(sku, taken)
  }
  // hand each SKU's reserved units to its lines in order, so a split SKU reports per line
  const result = lines.map((l) => {
    const left = reservedBySku.get(l.sku) ?? 0
    const reserved = Math.min(left, l.quantity)
    reservedBySku.set(l.sku, left - reserved)
    return { sku: l.sku, requested: l.quantity, reserved, short: l.quantity - reserved }
  })
  const reservedUnits = result.reduce((n, l) => n + l.reserved, 0)
  const shortUnits = result.reduce((n, l) => n + l.short, 0)
  const status = shortUnits === 0 ? 'inStock' : reservedUnits === 0 ? 'outOfStock' : 'partial'
  return { lines: result, status }
}

/** Units the order already holds (reserved, or consumed by a shipment) per SKU. */
export async function heldByOrder(tx: Tx, orderId: number): Promise<Map<string, number>> {
  const rows = await tx
    .selectFrom('reservations')
    .select(['sku', (eb) => eb.fn.sum<number>('quantity').as('quantity')])
    .where('order_id', '=', orderId)
    .where('status', 'in', ['reserved', 'consumed'])
    .groupBy('sku')
    .execute()
  return new Map(rows.map((r) => [r.sku, Number(r.quantity)]))
}

/** The order's lines minus what it already holds: what a second visit of check-stock still needs. */
export async function outstandingLines(
  tx: Tx,
  orderId: number,
  lines: readonly StockLine[],
): Promise<StockLine[]> {
  const held = await heldByOrder(tx, orderId)
  const out: StockLine[] = []
  for (const l of lines) {
    const h = held.get(l.sku) ?? 0
    held.set(l.sku, Math.max(0, h - l.quantity))
    if (l.quantity > h) out.push({ sku: l.sku, quantity: l.quantity - h })
  }
  return out
}

/**
 * Gives back an order's open reservations (cancel, or a backorder that holds nothing):
 * reserved -= q. Returns what was released, per SKU.
 */
export async function releaseReservations(tx: Tx, orderId: number): Promise<StockLine[]> {
  return settle(tx, orderId, 'released')
}

/** On shipping: the reserved units leave the building. on_hand -= q and reserved -= q. */
export async function consumeReservations(tx: Tx, orderId: number): Promise<StockLine[]> {
  return settle(tx, orderId, 'consumed')
}

async function settle(tx: Tx, orderId: number, to: 'released' | 'consumed'): Promise<StockLine[]> {
  const rows = await tx
    .updateTable('reservations')
    .set({ status: to, updated_at: new Date() })
    .where('order_id', '=', orderId)
    .where('status', '=', 'reserved')
    .returning(['sku', 'quantity'])
    .execute()
  const settled = sumBySku(rows)
  for (const [sku, quantity] of settled) {
    const onHand = to === 'consumed' ? sql`on_hand - ${quantity}` : sql`on_hand`
    await sql`update inventory set reserved = reserved - ${quantity}, on_hand = ${onHand}, updated_at = now()
      where sku = ${sku}`.execute(tx)
  }
  return settled.map(([sku, quantity]) => ({ sku, quantity }))
}
