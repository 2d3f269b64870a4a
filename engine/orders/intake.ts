import { sql } from 'kysely'
import { nodeTypes } from '../../nodes/index.ts'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { jobPriority } from '../runner/jobs.ts'
import type { OrderInput } from './order-model.ts'

interface IntakeRow extends ResolvedFlow {
  order_id: number | null
}

/** The order's flow as intake resolved it. */
export interface ResolvedFlow {
  flow_id: string | null
  active_version: number | null
  has_trigger: boolean
}

/** Why no order was taken in for this flow, or undefined when the flow can take orders. */
export function flowError(row: ResolvedFlow, requested: string | undefined): ApiError | undefined {
  if (row.flow_id === null) {
    return requested
      ? new ApiError(
          422,
          'unknown_flow',
          `Flow "${requested}" does not exist; send an existing flowId or leave it out to use the default flow.`,
        )
      : new ApiError(
          422,
          'no_default_flow',
          'No default flow is set; name a flowId or mark a flow as default.',
        )
  }
  if (row.active_version === null) {
    return new ApiError(
      422,
      'flow_not_published',
      `Flow "${row.flow_id}" has no published version yet; publish it before sending orders to it.`,
    )
  }
  if (!row.has_trigger) {
    return new ApiError(
      422,
      'invalid_flow',
      `Version ${row.active_version} of flow "${row.flow_id}" has no trigger node; publish a version with a "Receive order" node.`,
    )
  }
  return undefined
}

/** The node types that start a run (the first step of every order). */
export const TRIGGER_TYPES = nodeTypes.filter((t) => t.trigger).map((t) => t.type)

/**
 * Takes an order in: customer, order, lines, its run on the flow's active version, the run's
 * first step and that step's job, in ONE statement (intake is the hot path; a statement is its
 * own transaction, so all of it commits or none). The run stays on that version for good.
 *
 * The same (channel, externalId) again returns the order already there, never a second one, even
 * when both arrive at the same moment (the unique index decides; the loser reads the winner's row).
 * An unknown or unpublished flow inserts nothing and is the caller's error (422).
 */
export async function receiveOrder(
  db: Db,
  input: OrderInput,
): Promise<{ id: number; created: boolean; status: string }> {
  const { rows } = await sql<IntakeRow>`
    with f as (
      select f.id, f.active_version,
        (select n from jsonb_array_elements(v.graph -> 'nodes') n where n ->> 'type' = any(${TRIGGER_TYPES}::text[]) limit 1) as trigger
      from flows f left join flow_versions v on v.flow_id = f.id and v.version = f.active_version
      where case when ${input.flowId ?? null}::text is null then f.is_default else f.id = ${input.flowId ?? null}::text end
    ), ok as (
      select * from f where active_version is not null and trigger is not null
    ), c as (
      insert into customers (email, name) select ${input.customer.email.toLowerCase()}, ${input.customer.name} from ok
      on conflict (email) do update set name = coalesce(nullif(excluded.name, ''), customers.name)
      returning id
    ), o as (
      insert into orders (channel, external_id, customer_id, currency, shipping_address, billing_address,
        shipping_method, payment_method, payment, subtotal, shipping_total, tax_total, total, tags, placed_at)
      select ${input.channel}, ${input.externalId}, c.id, ${input.currency}, ${JSON.stringify(input.shippingAddress)}::jsonb,
        ${input.billingAddress ? JSON.stringify(input.billingAddress) : null}::jsonb, ${input.shippingMethod},
        ${input.paymentMethod}, ${JSON.stringify(input.payment)}::jsonb, ${input.totals.subtotal}::numeric,
        ${input.totals.shipping}::numeric, ${input.totals.tax}::numeric, ${input.totals.total}::numeric,
        ${input.tags}::text[], coalesce(${input.placedAt ?? null}::timestamptz, now())
      from c
      on conflict (channel, external_id) do nothing
      returning id
    ), l as (
      insert into order_lines (order_id, line_no, sku, name, quantity, unit_price)
      select o.id, t.line_no, t.sku, t.name, t.quantity, t.unit_price
      from o, unnest(${input.lines.map((_, i) => i + 1)}::int[], ${input.lines.map((l) => l.sku)}::text[],
        ${input.lines.map((l) => l.name ?? '')}::text[], ${input.lines.map((l) => l.quantity)}::int[],
        ${input.lines.map((l) => l.unitPrice)}::numeric[]) as t(line_no, sku, name, quantity, unit_price)
    ), r as (
      insert into runs (order_id, flow_id, flow_version, status)
      select o.id, ok.id, ok.active_version, 'running' from o, ok
      returning id
    ), s as (
      insert into steps (run_id, node_id, node_type, status, visit)
      select r.id, ok.trigger ->> 'id', ok.trigger ->> 'type', 'pending', 1 from r, ok
      returning id
    ), j as (
      select graphile_worker.add_job('run_step', json_build_object('stepId', s.id),
        job_key := 'step:' || s.id, priority := ${jobPriority({})}::int) as job
      from s
    )
    select (select id from o) as order_id, (select count(*) from j) as jobs,
      f.id as flow_id, f.active_version, f.trigger is not null as has_trigger
    from (select 1) one left join f on true`.execute(db)
  const row = rows[0]!
  if (row.order_id !== null) return { id: row.order_id, created: true, status: 'received' }
  const error = flowError(row, input.flowId)
  if (error) throw error
  // it exists (or a concurrent request inserted it first: ours waited on the unique index)
  const existing = await db
    .selectFrom('orders')
    .select(['id', 'status'])
    .where('channel', '=', input.channel)
    .where('external_id', '=', input.externalId)
    .executeTakeFirstOrThrow()
  return { id: existing.id, created: false, status: existing.status }
}
