import { sql } from 'kysely'
import type { Selectable } from 'kysely'
import type { Tx } from '../db.ts'
import type { StepsTable } from '../db-types.ts'
import type { Order } from '../orders/order-model.ts'
import { orderFromRow } from '../orders/load-order.ts'

export interface Head {
  step: Selectable<StepsTable>
  run: { id: number; flowId: string; flowVersion: number; status: string }
  order: Order
  /** highest visit per node of the run */
  visits: Map<string, number>
  /** the order's events no wait has consumed yet, oldest first (no new ones while the lock is held) */
  openEvents: OpenEventRow[]
  /** step ids reserved from the sequence for the steps this job creates */
  freeStepIds: number[]
  /** changes whenever a template version is saved: the key of the process's template cache */
  templatesStamp: string
}

export interface OpenEventRow {
  id: number
  type: string
  data: Record<string, unknown>
  created_at: Date
}

/** Step ids a job reserves up front: the default flow's longest chain creates 11 steps. */
const RESERVED_STEP_IDS = 16

/**
 * The step, its run and its order (with lines) in one round trip, locking the order row. That
 * lock is the one lock of the runner: every change to an order's run (steps, events, cancel,
 * retry) takes it first, so they serialise without deadlocks.
 */
export async function loadHead(tx: Tx, stepId: number): Promise<Head | undefined> {
  // biome-ignore lint/suspicious/noExplicitAny: one wide row, mapped field by field below
  const { rows } = await sql<Record<string, any>>`
    select s.*, r.flow_id, r.flow_version, r.status as run_status, r.order_id,
      o.channel, o.external_id, o.status as order_status, o.currency, o.customer_id,
      c.email as customer_email, c.name as customer_name, o.shipping_address, o.billing_address,
      o.shipping_method, o.payment_method, o.payment, o.subtotal, o.shipping_total, o.tax_total,
      o.total, o.attributes, o.tags, o.placed_at,
      (select coalesce(json_agg(json_build_object('line_no', l.line_no, 'sku', l.sku, 'name', l.name,
          'quantity', l.quantity, 'unit_price', l.unit_price::text) order by l.line_no), '[]')
        from order_lines l where l.order_id = o.id) as lines
    from steps s
    join runs r on r.id = s.run_id
    join orders o on o.id = r.order_id
    join customers c on c.id = o.customer_id
    where s.id = ${stepId}
    for update of o`.execute(tx)
  const first = rows[0]
  if (!first) return undefined
  // The statement above waited for the order lock, but its step and run rows come from the
  // snapshot taken before the wait: a job run twice (a slow worker taken for dead) would see
  // its step still pending. Read them again now that the lock is held.
  const fresh = await sql<Record<string, unknown>>`
    select s.status, s.attempt, s.port, s.output, s.state, s.error, s.wait_events, s.wait_until,
      s.started_at, s.waiting_since, s.finished_at, r.status as run_status,
      (select coalesce(json_object_agg(v.node_id, v.visit), '{}') from
        (select node_id, max(visit) as visit from steps where run_id = r.id group by node_id) v) as visits,
      (select coalesce(json_agg(json_build_object('id', e.id, 'type', e.type, 'data', e.data,
          'created_at', e.created_at) order by e.id), '[]')
        from events e where e.order_id = r.order_id and e.consumed_by_step is null) as open_events,
      (select array_agg(nextval('steps_id_seq')) from generate_series(1, ${RESERVED_STEP_IDS})) as free_ids,
      (select count(*) || ':' || coalesce(max(created_at)::text, '') from email_templates) as templates_stamp
    from steps s join runs r on r.id = s.run_id where s.id = ${stepId}`.execute(tx)
  const row = { ...first, ...fresh.rows[0] }
  return {
    step: {
      id: row.id,
      run_id: row.run_id,
      node_id: row.node_id,
      node_type: row.node_type,
      visit: row.visit,
      status: row.status,
      attempt: row.attempt,
      port: row.port,
      output: row.output,
      state: row.state,
      error: row.error,
      wait_events: row.wait_events,
      wait_until: row.wait_until,
      created_at: row.created_at,
      started_at: row.started_at,
      waiting_since: row.waiting_since,
      finished_at: row.finished_at,
    },
    run: { id: row.run_id, flowId: row.flow_id, flowVersion: row.flow_version, status: row.run_status },
    order: orderFromRow({ ...row, id: row.order_id, status: row.order_status } as never, row.lines),
    visits: new Map(Object.entries(row.visits as Record<string, number>)),
    openEvents: (row.open_events as (OpenEventRow & { created_at: string })[]).map((e) => ({
      ...e,
      created_at: new Date(e.created_at),
    })),
    freeStepIds: (row.free_ids as (string | number)[]).map(Number),
    templatesStamp: row.templates_stamp as string,
  }
}
