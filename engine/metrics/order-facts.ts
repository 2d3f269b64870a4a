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
 * Each table is read once, by its order_id index (shipments, payments and backorders aggregated in
 * one look-up each), so it is cheap for a few thousand orders; the rollup stores it for the rest.
 */
export function factsOf(orderId: RawBuilder<number> | ReturnType<typeof sql.ref>): RawBuilder<unknown> {
  const id = orderId
  return sql`select
    (select sum(l.quantity) from order_lines l where l.order_id = ${id})::int as units,
    sh.n > 0 as shipped,
    (select jsonb_object_agg(reason, units) from (
      select rt.reason, sum((x ->> 'quantity')::int)::int as units
      from returns rt cross join jsonb_array_elements(rt.lines) x
      where rt.order_id = ${id} and rt.status <> 'rejected' group by 1) r) as returned,
    ${has(sql`pick_list_lines pl where pl.order_id = ${id} and pl.picked_quantity is not null`)} as picked,
    (${has(sql`pick_errors pe where pe.order_id = ${id}`)}
      or ${has(sql`returns rt where rt.order_id = ${id} and rt.reason = 'wrong_item' and rt.status <> 'rejected'`)}) as pick_error,
    sh.delivered_at,
    (bo.n > 0 or ${has(sql`reservations rs where rs.order_id = ${id}`)}) as stock_checked,
    bo.n > 0 as backordered,
    pa.n > 0 as payment_attempted,
    coalesce(pa.failed, false) as payment_failed,
    sh.first_booked_at, sh.first_service
  from (select count(*) as n,
      case when bool_and(delivered_at is not null) then max(delivered_at) end as delivered_at,
      (array_agg(booked_at order by booked_at, id))[1] as first_booked_at,
      (array_agg(service order by booked_at, id))[1] as first_service
    from shipments where order_id = ${id}) sh,
    (select count(*) as n, bool_or(status = 'failed') as failed from payments where order_id = ${id}) pa,
    (select count(*) as n from backorders where order_id = ${id}) bo`
}
