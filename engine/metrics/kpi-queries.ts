import { type RawBuilder, sql } from 'kysely'
import type { Executor } from '../db.ts'
import { inWindow, type TimeWindow } from './window.ts'

/**
 * The SQL behind each KPI. Every query reads the cohort of orders placed in the window (filtered
 * by flow and channel) and groups by `bucket`: null for the totals, the start of the day, week
 * or month (UTC) for the series. The same SQL gives both, so they always agree.
 */
export interface KpiScope extends TimeWindow {
  flowId?: string
  channel?: string
}

export type Bucket = 'day' | 'week' | 'month'
/** On time = first shipment booked within this many hours of placing, by service. */
export type Sla = { standardHours: number; expressHours: number }
type Row = { bucket: Date | null } & Record<string, unknown>

const bucketOf = (column: string, bucket: Bucket | undefined) =>
  bucket ? sql`date_trunc(${bucket}, ${sql.ref(column)}, 'UTC')` : sql`null::timestamptz`

function cohort(
  scope: KpiScope,
  bucket: Bucket | undefined,
  window: RawBuilder<boolean> = inWindow('o.placed_at', scope),
) {
  // not materialized: a query that reads the cohort twice (returnUnits) would otherwise write all
  // of it out first, and could not join it by index (122 → 50 ms at 100,000 orders)
  return sql`o as not materialized (
    select o.id, o.placed_at, o.customer_id, ${bucketOf('o.placed_at', bucket)} as bucket
    from orders o
    ${scope.flowId ? sql`join runs r on r.order_id = o.id and r.flow_id = ${scope.flowId}` : sql``}
    where ${window} ${scope.channel ? sql`and o.channel = ${scope.channel}` : sql``}
  )`
}

/**
 * kpis.ts runs these queries side by side, which already keeps the cores busy: parallel workers
 * inside each query only add processes competing for them (all time at 100,000 orders on 2 cores:
 * 327 → 229 ms). Inside a caller's transaction the setting is left alone.
 */
const run = async (db: Executor, q: RawBuilder<Row>) => {
  if (db.isTransaction) return (await q.execute(db)).rows
  return db.transaction().execute(async (tx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(tx)
    return (await q.execute(tx)).rows
  })
}

/** Orders placed. */
export const ordersPlaced = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(db, sql`with ${cohort(s, b)} select bucket, count(*)::int as orders from o group by 1`)

/** Units on shipped orders (sold) and units on their returns that were not rejected, by reason. */
export const returnUnits = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)},
      sold as (select o.bucket, sum(l.quantity)::int as units from o join order_lines l on l.order_id = o.id
        where o.id in (select order_id from shipments) group by 1),
      ret as (select o.bucket, rt.reason, sum((x->>'quantity')::int)::int as units
        from o join returns rt on rt.order_id = o.id cross join jsonb_array_elements(rt.lines) x
        where rt.status <> 'rejected' group by 1, 2)
    select bucket, null::text as reason, units from sold
    union all select bucket, reason, units from ret`,
  )

/**
 * Picked orders, and those with a pick error or a not-rejected "wrong_item" return.
 * `o.id in (select ...)` rather than a correlated `exists` in the aggregates: PostgreSQL hashes
 * the subquery once instead of probing an index per order (118 → 40 ms at 100,000 orders).
 */
export const picking = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)}
    select bucket, count(*)::int as picked,
      count(*) filter (where o.id in (select order_id from pick_errors)
        or o.id in (select order_id from returns where reason = 'wrong_item' and status <> 'rejected'))::int as with_error
    from o where exists (select 1 from pick_list_lines pl where pl.order_id = o.id and pl.picked_quantity is not null)
    group by 1`,
  )

/** Placed → delivered (the last shipment's delivery), for orders whose every shipment is delivered. */
export const leadTime = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)},
      d as (select o.bucket, date_part('epoch', max(sh.delivered_at) - o.placed_at) * 1000 as ms
        from o join shipments sh on sh.order_id = o.id
        group by o.id, o.bucket, o.placed_at having bool_and(sh.delivered_at is not null))
    select bucket, count(*)::int as delivered, avg(ms) as mean,
      percentile_cont(array[0.5, 0.95]) within group (order by ms) as pct
    from d group by 1`,
  )

/** Stock-checked orders (a reservation or a backorder) and those with a backorder (hashed `in`, as in picking). */
export const backorders = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)}
    select bucket, count(*)::int as checked, count(*) filter (where backordered)::int as backordered
    from (select bucket, o.id in (select order_id from reservations) as reserved,
      o.id in (select order_id from backorders) as backordered from o) x
    where reserved or backordered
    group by 1`,
  )

/** Orders with a payment attempt, and those where an attempt failed (hashed `in`, as in picking). */
export const payments = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)}
    select bucket, count(*)::int as attempted,
      count(*) filter (where o.id in (select order_id from payments where status = 'failed'))::int as failed
    from o where exists (select 1 from payments p where p.order_id = o.id)
    group by 1`,
  )

/**
 * Shipped orders, and those whose first shipment (by booking time, then id) was booked within the
 * SLA of its service. `distinct on` sorts once, where an ordered array_agg per order sorted each group.
 */
export const shipping = (db: Executor, s: KpiScope, sla: Sla, b?: Bucket) =>
  run(
    db,
    sql`with ${cohort(s, b)},
      f as (select distinct on (sh.order_id) o.bucket, o.placed_at, sh.booked_at as booked, sh.service
        from o join shipments sh on sh.order_id = o.id order by sh.order_id, sh.booked_at, sh.id)
    select bucket, count(*)::int as shipped,
      count(*) filter (where booked - placed_at <= make_interval(hours =>
        case when service = 'express' then ${sla.expressHours}::int else ${sla.standardHours}::int end))::int as on_time
    from f group by 1`,
  )

/** Emails in the outbox (not failed) by template, created in the window; flow/channel via their order. */
export const emails = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`select ${bucketOf('e.created_at', b)} as bucket, e.template, count(*)::int as sent
    from emails e
    ${s.flowId || s.channel ? sql`join orders o on o.id = e.order_id` : sql``}
    ${s.flowId ? sql`join runs r on r.order_id = o.id and r.flow_id = ${s.flowId}` : sql``}
    where e.status <> 'failed' and ${inWindow('e.created_at', s)}
      ${s.channel ? sql`and o.channel = ${s.channel}` : sql``}
    group by 1, 2 order by 1, 3 desc, 2`,
  )

/**
 * Orders and distinct customers placed in the 365 days before `end`. Grouped by customer first:
 * a hash aggregate, where count(distinct) sorts every order (45 → 18 ms at 100,000 orders).
 */
export const purchaseFrequency = (db: Executor, s: KpiScope, end: Date) =>
  run(
    db,
    sql`with ${cohort(s, undefined, sql<boolean>`o.placed_at >= ${end}::timestamptz - interval '365 days' and o.placed_at < ${end}::timestamptz`)},
      c as (select bucket, customer_id, count(*) as n from o group by 1, 2)
    select bucket, sum(n)::int as orders, count(*)::int as customers from c group by 1`,
  )
