import { type RawBuilder, sql } from 'kysely'

/**
 * What the KPIs need to know of one order, derived from the order tables. One definition with two
 * readers: the rollup stores it in order_kpi_facts (migrations/0040) once the order's run is not
 * running, and the KPI queries compute it for every order whose row is not filled, so a KPI
 * reads the same facts whichever way they came.
 */
export const FACT_COLUMNS = [
  'units',
  'shipped',
  'returned',
  'picked',
  'pick_error',
  'delivered_at',
  'stock_checked',
  'backordered',
  'payment_attempted',
  'payment_failed',
  'first_booked_at',
  'first_service',
] as const

/** `f.units, f.shipped, ...` for a row source aliased `alias`. */
export const factColumns = (alias: string) => sql.join(FACT_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)))

/**
 * Whether `from` (a table and a where clause) has a row, by one index look-up. Not `exists`: over
 * a few thousand orders the planner turns `exists` into a hash of the whole table (a sequential
 * scan of every shipment, payment, pick line... per query: 180 → 40 ms at 100,000 orders).
 */
const has = (from: RawBuilder<unknown>) => sql`coalesce((select true from ${from} limit 1), false)`

/**
 * A subquery (for `cross join lateral`) giving the FACT_COLUMNS of the order whose id is `orderId`.
 * Each fact is an index look-up by order_id, so it is cheap for a few thousand orders; the rollup
 * stores it for the rest.
 */
export function factsOf(orderId: RawBuilder<number> | ReturnType<typeof sql.ref>): RawBuilder<unknown> {
  const id = orderId
  return sql`select
    (select sum(l.quantity) from order_lines l where l.order_id = ${id})::int as units,
    ${has(sql`shipments sh where sh.order_id = ${id}`)} as shipped,
    (select jsonb_object_agg(reason, units) from (
      select rt.reason, sum((x ->> 'quantity')::int)::int as units
      from returns rt cross join jsonb_array_elements(rt.lines) x
      where rt.order_id = ${id} and rt.status <> 'rejected' group by 1) r) as returned,
    ${has(sql`pick_list_lines pl where pl.order_id = ${id} and pl.picked_quantity is not null`)} as picked,
    (${has(sql`pick_errors pe where pe.order_id = ${id}`)}
      or ${has(sql`returns rt where rt.order_id = ${id} and rt.reason = 'wrong_item' and rt.status <> 'rejected'`)}) as pick_error,
    (select case when bool_and(sh.delivered_at is not null) then max(sh.delivered_at) end
      from shipments sh where sh.order_id = ${id}) as delivered_at,
    (${has(sql`reservations rs where rs.order_id = ${id}`)} or ${has(sql`backorders b where b.order_id = ${id}`)}) as stock_checked,
    ${has(sql`backorders b where b.order_id = ${id}`)} as backordered,
    ${has(sql`payments p where p.order_id = ${id}`)} as payment_attempted,
    ${has(sql`payments p where p.order_id = ${id} and p.status = 'failed'`)} as payment_failed,
    (select sh.booked_at from shipments sh where sh.order_id = ${id} order by sh.booked_at, sh.id limit 1) as first_booked_at,
    (select sh.service from shipments sh where sh.order_id = ${id} order by sh.booked_at, sh.id limit 1) as first_service`
}
