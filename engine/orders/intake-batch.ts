import { sql } from 'kysely'
import type { Db } from '../db.ts'
import type { ApiError } from '../errors.ts'
import { jobPriority } from '../runner/jobs.ts'
import { flowError, type ResolvedFlow, TRIGGER_TYPES } from './intake.ts'
import type { OrderInput } from './order-model.ts'

export type Received = { id: number; created: boolean; status: string }
/** `again`: its key was taken but the order could not be read back; receiveOrder answers it. */
export type BatchResult = { ok: Received } | { error: ApiError } | { again: true }

interface BatchRow extends ResolvedFlow {
  n: number
  order_id: number | null
}

/**
 * Takes several orders in with ONE statement: what receiveOrder (intake.ts) does for one, for
 * each of `inputs`, with one commit, one NOTIFY and one add_jobs call between them. That shared
 * cost is most of an order's intake in PostgreSQL, so under load the API takes in the requests
 * waiting together (intake-batcher.ts). Each input gets its own result: created, already there
 * (same channel and externalId), or its flow's error.
 *
 * The caller passes no two inputs with the same (channel, externalId): both would try to insert
 * the same order. Customers and orders are inserted in key order, so two batches running at once
 * take their locks in the same order. Throws only when the statement fails (nothing of the batch
 * is kept); the batcher then takes its orders in one by one.
 */
export async function receiveOrders(db: Db, inputs: OrderInput[]): Promise<BatchResult[]> {
  const rows = inputs.map((input, n) => ({
    n,
    flow_id: input.flowId ?? null,
    channel: input.channel,
    external_id: input.externalId,
    email: input.customer.email.toLowerCase(),
    name: input.customer.name,
    currency: input.currency,
    shipping_address: input.shippingAddress,
    billing_address: input.billingAddress ?? null,
    shipping_method: input.shippingMethod,
    payment_method: input.paymentMethod,
    payment: input.payment,
    subtotal: input.totals.subtotal,
    shipping_total: input.totals.shipping,
    tax_total: input.totals.tax,
    total: input.totals.total,
    tags: input.tags,
    placed_at: input.placedAt ?? null,
    lines: input.lines.map((l, i) => ({
      line_no: i + 1,
      sku: l.sku,
      name: l.name ?? '',
      quantity: l.quantity,
      unit_price: l.unitPrice,
    })),
  }))
  const { rows: out } = await sql<BatchRow>`
    with i as materialized (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(n int, flow_id text, channel text,
        external_id text, email text, name text, currency text, shipping_address jsonb, billing_address jsonb,
        shipping_method text, payment_method text, payment jsonb, subtotal numeric, shipping_total numeric,
        tax_total numeric, total numeric, tags text[], placed_at timestamptz, lines jsonb)
    ), f as materialized (
      select f.id, f.is_default, f.active_version,
        (select n from jsonb_array_elements(v.graph -> 'nodes') n where n ->> 'type' = any(${TRIGGER_TYPES}::text[]) limit 1) as trigger
      from flows f left join flow_versions v on v.flow_id = f.id and v.version = f.active_version
      where f.is_default or f.id in (select flow_id from i)
    ), fi as materialized (
      select i.*, f.id as resolved_flow, f.active_version, f.trigger
      from i left join f on case when i.flow_id is null then f.is_default else f.id = i.flow_id end
    ), ok as materialized (
      select * from fi where active_version is not null and trigger is not null
    ), c as (
      -- one row per email (an upsert may touch a row once): the last non-empty name, as one by one would leave it
      insert into customers (email, name)
      select distinct on (email) email, name from ok order by email, name = '', n desc
      on conflict (email) do update set name = coalesce(nullif(excluded.name, ''), customers.name)
      returning id, email
    ), o as (
      insert into orders (channel, external_id, customer_id, currency, shipping_address, billing_address,
        shipping_method, payment_method, payment, subtotal, shipping_total, tax_total, total, tags, placed_at)
      select ok.channel, ok.external_id, c.id, ok.currency, ok.shipping_address, ok.billing_address,
        ok.shipping_method, ok.payment_method, ok.payment, ok.subtotal, ok.shipping_total, ok.tax_total,
        ok.total, ok.tags, coalesce(ok.placed_at, now())
      from ok join c on c.email = ok.email
      order by ok.channel, ok.external_id
      on conflict (channel, external_id) do nothing
      returning id, channel, external_id
    ), oi as materialized (
      select o.id, ok.n, ok.lines, ok.resolved_flow, ok.active_version, ok.trigger
      from o join ok on ok.channel = o.channel and ok.external_id = o.external_id
    ), l as (
      insert into order_lines (order_id, line_no, sku, name, quantity, unit_price)
      select oi.id, t.line_no, t.sku, t.name, t.quantity, t.unit_price
      from oi cross join jsonb_to_recordset(oi.lines) as t(line_no int, sku text, name text, quantity int, unit_price numeric)
    ), r as (
      insert into runs (order_id, flow_id, flow_version, status)
      select oi.id, oi.resolved_flow, oi.active_version, 'running' from oi
      returning id, order_id
    ), s as (
      insert into steps (run_id, node_id, node_type, status, visit)
      select r.id, oi.trigger ->> 'id', oi.trigger ->> 'type', 'pending', 1 from r join oi on oi.id = r.order_id
      returning id
    ), j as (
      -- one call for all (none when no order was taken in); its NOTIFY carries the count, so
      -- that many idle workers wake
      select count(*) as n from (
        select array_agg(row('run_step', json_build_object('stepId', s.id), null, null, null, 'step:' || s.id,
          ${jobPriority({})}::int, null)::graphile_worker.job_spec) as specs
        from s having count(*) > 0) x
      cross join lateral graphile_worker.add_jobs(x.specs)
    )
    select fi.n, oi.id as order_id, fi.resolved_flow as flow_id, fi.active_version, fi.trigger is not null as has_trigger,
      (select n from j) as jobs
    from fi left join oi on oi.n = fi.n
    order by fi.n`.execute(db)
  // the statement committed: from here on nothing may fail the batch as a whole
  const taken = out.filter((r) => r.order_id === null && !flowError(r, inputs[r.n]!.flowId)).map((r) => inputs[r.n]!)
  const existing = await alreadyThere(db, taken).catch(() => new Map<string, { id: number; status: string }>())
  return out.map((r): BatchResult => {
    const input = inputs[r.n]!
    if (r.order_id !== null) return { ok: { id: r.order_id, created: true, status: 'received' } }
    const error = flowError(r, input.flowId)
    if (error) return { error }
    const found = existing.get(key(input))
    return found ? { ok: { ...found, created: false } } : { again: true }
  })
}

const key = (input: OrderInput) => JSON.stringify([input.channel, input.externalId])

/** The orders already there for inputs that found their (channel, externalId) taken. */
async function alreadyThere(db: Db, inputs: OrderInput[]) {
  const found = new Map<string, { id: number; status: string }>()
  if (inputs.length === 0) return found
  const { rows } = await sql<{ id: number; status: string; channel: string; external_id: string }>`
    select o.id, o.status, o.channel, o.external_id from orders o
    join unnest(${inputs.map((i) => i.channel)}::text[], ${inputs.map((i) => i.externalId)}::text[]) as k(channel, external_id)
      on o.channel = k.channel and o.external_id = k.external_id`.execute(db)
  for (const r of rows) found.set(JSON.stringify([r.channel, r.external_id]), { id: r.id, status: r.status })
  return found
}
