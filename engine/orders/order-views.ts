import { sql } from 'kysely'
import type { Db, Executor } from '../db.ts'
import { notFound } from '../errors.ts'
import { loadOrder } from './load-order.ts'

export interface OrderListQuery {
  status?: string
  q?: string
  limit: number
  offset: number
}

export async function listOrders(db: Db, query: OrderListQuery) {
  let base = db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .leftJoin('runs', 'runs.order_id', 'orders.id')
  if (query.status) base = base.where('orders.status', '=', query.status)
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
    base = base.where((eb) => eb.or([eb('orders.external_id', 'ilike', like), eb('customers.email', 'ilike', like)]))
  }
  const [rows, count] = await Promise.all([
    base
      .select([
        'orders.id',
        'orders.channel',
        'orders.external_id',
        'orders.status',
        'customers.email',
        'orders.total',
        'orders.currency',
        'runs.flow_id',
        'runs.flow_version',
        'runs.status as run_status',
        'orders.created_at',
      ])
      .orderBy('orders.id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ])
  return {
    total: count.n,
    orders: rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      externalId: r.external_id,
      status: r.status,
      customerEmail: r.email,
      total: r.total,
      currency: r.currency,
      flowId: r.flow_id,
      flowVersion: r.flow_version,
      runStatus: r.run_status,
      createdAt: r.created_at,
    })),
  }
}

/** The order with its run, its step timeline, events and emails, all from one snapshot. */
export async function orderDetail(db: Db, id: number) {
  return db.transaction().setIsolationLevel('repeatable read').execute((tx) => readDetail(tx, id))
}

async function readDetail(db: Executor, id: number) {
  const order = await loadOrder(db, id)
  if (!order) throw notFound('Order', id)
  const run = await db.selectFrom('runs').selectAll().where('order_id', '=', id).executeTakeFirst()
  // one connection, so these run one after another; Promise.all only keeps the code flat
  const [steps, events, emails] = await Promise.all([
    run ? db.selectFrom('steps').selectAll().where('run_id', '=', run.id).orderBy('id').execute() : [],
    db.selectFrom('events').selectAll().where('order_id', '=', id).orderBy('id').execute(),
    db.selectFrom('emails').select(['id', 'key', 'template', 'to_address', 'subject', 'status', 'created_at']).where('order_id', '=', id).orderBy('id').execute(),
  ])
  return {
    order,
    run: run && {
      id: run.id,
      flowId: run.flow_id,
      flowVersion: run.flow_version,
      status: run.status,
      error: run.error,
      startedAt: run.started_at,
      finishedAt: run.finished_at,
    },
    steps: steps.map((s) => ({
      id: s.id,
      nodeId: s.node_id,
      nodeType: s.node_type,
      visit: s.visit,
      status: s.status,
      attempt: s.attempt,
      port: s.port,
      output: s.output,
      error: s.error,
      startedAt: s.started_at,
      finishedAt: s.finished_at,
      waitingSince: s.waiting_since,
      waitEvents: s.wait_events,
      waitUntil: s.wait_until,
    })),
    events: events.map((e) => ({ id: e.id, type: e.type, data: e.data, source: e.source, consumedByStep: e.consumed_by_step, createdAt: e.created_at })),
    emails: emails.map((e) => ({ id: e.id, key: e.key, template: e.template, to: e.to_address, subject: e.subject, status: e.status, createdAt: e.created_at })),
  }
}
