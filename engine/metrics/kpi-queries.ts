import { type RawBuilder, sql } from 'kysely'
import type { Executor } from '../db.ts'
import { factColumns, factsOf } from './order-facts.ts'
import { inWindow, type TimeWindow } from './window.ts'

/**
 * The SQL behind each KPI. The order KPIs read the cohort of orders placed in the window (filtered
 * by flow and channel) from their per-order facts, and group by `bucket`: null for the totals, the
 * start of the day, week or month (UTC) for the series. The same SQL gives both, so they agree.
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

/** Orders placed in `window` (by flow and channel), for purchase frequency. */
function cohort(scope: KpiScope, window: RawBuilder<boolean>) {
  return sql`o as not materialized (
    select o.id, o.customer_id, null::timestamptz as bucket
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

/**
 * The facts of the orders placed in the window (filtered by flow and channel), one row each: a
 * filled row of order_kpi_facts as it is unless its order is noted in order_kpi_dirty, any other
 * order's facts computed from the order tables (order-facts.ts). Which way a row came never
 * changes a result.
 */
function facts(s: KpiScope, b: Bucket | undefined) {
  const where = sql`${inWindow('k.placed_at', s)}
    ${s.channel ? sql`and k.channel = ${s.channel}` : sql``}
    ${s.flowId ? sql`and exists (select 1 from runs r where r.order_id = k.order_id and r.flow_id = ${s.flowId})` : sql``}`
  const live = sql`select k.placed_at, ${bucketOf('k.placed_at', b)}, ${factColumns('f')}
    from order_kpi_facts k cross join lateral (${factsOf(sql.ref('k.order_id'))}) f`
  // three parts, so each finds its rows by an index: filled and not noted since; not filled
  // (the partial index); filled but noted in order_kpi_dirty (the few noted orders)
  return sql`dirty as materialized (select distinct order_id from order_kpi_dirty),
  k as (
    select k.placed_at, ${bucketOf('k.placed_at', b)} as bucket, ${factColumns('k')}
    from order_kpi_facts k
    where k.state = 'filled' and ${where} and k.order_id not in (select order_id from dirty)
    union all
    ${live} where k.state <> 'filled' and ${where}
    union all
    ${live} where k.state = 'filled' and ${where} and k.order_id in (select order_id from dirty)
  )`
}

/** Without a bucket, one row and no grouping: a sort by bucket would cost more than the rest. */
const groupBy = (b: Bucket | undefined) => (b ? sql`group by 1` : sql``)

/**
 * Every KPI but returns by reason, emails and purchase frequency, per bucket:
 * - orders placed; units sold (on orders with a shipment)
 * - picked orders, and those with a pick error or a not-rejected "wrong_item" return
 * - lead time placed → delivered (the last shipment's delivery), for orders whose every shipment is delivered
 * - stock-checked orders (a reservation or a backorder) and those with a backorder
 * - orders with a payment attempt, and those where an attempt failed
 * - shipped orders, and those whose first shipment (by booking time, then id) was booked within
 *   the SLA of its service
 */
export const summary = (db: Executor, s: KpiScope, sla: Sla, b?: Bucket) =>
  run(
    db,
    sql`with ${facts(s, b)}, d as (
      select *, date_part('epoch', delivered_at - placed_at) * 1000 as lead_ms from k
    )
    select ${b ? sql`bucket` : sql`null::timestamptz as bucket`},
      count(*)::int as orders,
      coalesce(sum(units) filter (where shipped), 0)::int as units_sold,
      count(*) filter (where picked)::int as picked,
      count(*) filter (where picked and pick_error)::int as with_error,
      count(lead_ms)::int as delivered, avg(lead_ms) as mean,
      percentile_cont(array[0.5, 0.95]) within group (order by lead_ms) as pct,
      count(*) filter (where stock_checked)::int as checked,
      count(*) filter (where backordered)::int as backordered,
      count(*) filter (where payment_attempted)::int as attempted,
      count(*) filter (where payment_failed)::int as failed,
      count(first_booked_at)::int as shipped,
      count(*) filter (where first_booked_at - placed_at <= make_interval(hours =>
        case when first_service = 'express' then ${sla.expressHours}::int else ${sla.standardHours}::int end))::int as on_time
    from d ${groupBy(b)}`,
  )

/** Units returned (returns not rejected) by reason, per bucket. */
export const returnsByReason = (db: Executor, s: KpiScope, b?: Bucket) =>
  run(
    db,
    sql`with ${facts(s, b)}
    select bucket, r.key as reason, sum(r.value::int)::int as units
    from k cross join jsonb_each_text(k.returned) r where k.returned is not null
    group by 1, 2`,
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
    sql`with ${cohort(s, sql<boolean>`o.placed_at >= ${end}::timestamptz - interval '365 days' and o.placed_at < ${end}::timestamptz`)},
      c as (select bucket, customer_id, count(*) as n from o group by 1, 2)
    select bucket, sum(n)::int as orders, count(*)::int as customers from c group by 1`,
  )
