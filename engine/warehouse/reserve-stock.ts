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
    // the whole quantity or nothing, and its reservation row, in one statement
    const full = await sql<{ sku: string }>`
      with taken as (
        update inventory set reserved = reserved + ${quantity}, updated_at = now()
        where sku = ${sku} and on_hand - reserved >= ${quantity}
        returning sku
      )
      insert into reservations (order_id, sku, quantity, step_id)
      select ${orderId}, sku, ${quantity}, ${opts.stepId ?? null}::bigint from taken
      returning sku`.execute(tx)
    faultPoint('during-reservation')
    if (full.rows.length > 0) taken = quantity
    else if (opts.partial) {
      // what is available, taken and recorded in one statement: the row is locked as it is read,
      // so the amount read is the amount taken (one statement, so also against the other jobs
      // of a batch, which share this transaction and its locks)
      const part = await sql<{ quantity: number }>`
        with available as (
          select sku, least(${quantity}::int, on_hand - reserved) as quantity
          from inventory where sku = ${sku} for update
        ),
        taken as (
          update inventory i set reserved = i.reserved + a.quantity, updated_at = now()
          from available a where i.sku = a.sku and a.quantity > 0
          returning a.sku, a.quantity
        )
        insert into reservations (order_id, sku, quantity, step_id)
        select ${orderId}, sku, quantity, ${opts.stepId ?? null}::bigint from taken
        returning quantity`.execute(tx)
      taken = part.rows[0]?.quantity ?? 0
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

export interface StockPosition {
  /** units the order already holds (reserved, or consumed by a shipment) per SKU */
  held: Map<string, number>
  /** its reservations still open (not shipped or released) */
  openReservations: number
  /** its backorders still open */
  openBackorders: number
}

/** Where an order stands on stock, in one query. */
export async function stockPosition(tx: Tx, orderId: number): Promise<StockPosition> {
  const { rows } = await sql<{ held: Record<string, number>; open_reservations: number; open_backorders: number }>`
    select
      coalesce((select json_object_agg(sku, quantity) from (
        select sku, sum(quantity)::int as quantity from reservations
        where order_id = ${orderId} and status in ('reserved', 'consumed') group by sku) h), '{}') as held,
      (select count(*)::int from reservations where order_id = ${orderId} and status = 'reserved') as open_reservations,
      (select count(*)::int from backorders where order_id = ${orderId} and status = 'open') as open_backorders`.execute(tx)
  const row = rows[0]!
  return { held: new Map(Object.entries(row.held)), openReservations: row.open_reservations, openBackorders: row.open_backorders }
}

/** The order's lines minus what it already holds: what a second visit of check-stock still needs. */
export function remainingLines(lines: readonly StockLine[], heldBySku: ReadonlyMap<string, number>): StockLine[] {
  const held = new Map(heldBySku)
  const out: StockLine[] = []
  for (const l of lines) {
    const h = held.get(l.sku) ?? 0
    held.set(l.sku, Math.max(0, h - l.quantity))
    if (l.quantity > h) out.push({ sku: l.sku, quantity: l.quantity - h })
  }
  return out
}

export async function outstandingLines(tx: Tx, orderId: number, lines: readonly StockLine[]): Promise<StockLine[]> {
  return remainingLines(lines, (await stockPosition(tx, orderId)).held)
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

/** The order's reservations and the stock they held, settled in one statement. */
async function settle(tx: Tx, orderId: number, to: 'released' | 'consumed'): Promise<StockLine[]> {
  const { rows } = await sql<StockLine>`
    with settled as (
      update reservations set status = ${to}, updated_at = now()
      where order_id = ${orderId} and status = 'reserved'
      returning sku, quantity
    ), by_sku as (
      select sku, sum(quantity)::int as quantity from settled group by sku
    ), stock as (
      update inventory i set reserved = i.reserved - b.quantity,
        on_hand = i.on_hand - case when ${to === 'consumed'} then b.quantity else 0 end, updated_at = now()
      from by_sku b where i.sku = b.sku
    )
    select sku, quantity from by_sku order by sku`.execute(tx)
  return rows
}
