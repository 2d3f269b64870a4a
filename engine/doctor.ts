import { sql } from 'kysely'
import type { Db } from './db.ts'
import { factColumns, factsOf } from './metrics/order-facts.ts'

/**
 * `orderflow doctor`: checks the promises the engine makes on any database, live or not, and
 * names every order that breaks one. Each check is one SQL statement, so it sees one consistent
 * snapshot even while workers run. Checks on tables another migration adds (warehouse,
 * payments) run once those tables exist.
 */

export interface Violation {
  check: string
  severity: 'error' | 'warning'
  message: string
  /** the rows that break it (ids, counts), at most `limit` of them */
  rows: Record<string, unknown>[]
  count: number
}

interface Check {
  name: string
  severity: 'error' | 'warning'
  /** tables that must exist for the check to apply */
  needs?: string[]
  message: string
  /** `settle`: seconds an outside effect may go unrecorded (a step in flight) */
  query: (settle: number) => ReturnType<typeof sql<Record<string, unknown>>>
}

const jobWithKey = (key: ReturnType<typeof sql>) =>
  sql`exists (select 1 from graphile_worker._private_jobs j where j.key = ${key} and j.attempts < j.max_attempts)`

const CHECKS: Check[] = [
  {
    name: 'one-run-per-order',
    severity: 'error',
    message: 'every order has exactly one run (intake and run start commit together)',
    query:
      () => sql`select o.id as order_id, count(r.id)::int as runs from orders o left join runs r on r.order_id = o.id
      group by o.id having count(r.id) <> 1 order by o.id`,
  },
  {
    name: 'pending-step-has-job',
    severity: 'error',
    message:
      'every pending step of an open run has a run_step job that can still run (else the run never moves)',
    query: () => sql`select s.id as step_id, s.node_id, r.order_id from steps s join runs r on r.id = s.run_id
      where s.status = 'pending' and r.status in ('running', 'waiting')
        and not ${jobWithKey(sql`'step:' || s.id`)} order by s.id`,
  },
  {
    name: 'deadline-has-job',
    severity: 'error',
    message: 'every step waiting with a deadline has a wake_step job',
    query:
      () => sql`select s.id as step_id, s.node_id, r.order_id, s.wait_until from steps s join runs r on r.id = s.run_id
      where s.status = 'waiting' and s.wait_until is not null and r.status in ('running', 'waiting')
        and not ${jobWithKey(sql`'wake:' || s.id`)} order by s.id`,
  },
  {
    name: 'matched-event-has-job',
    severity: 'error',
    message: 'a step waiting for an event that is already there has a wake_step job to take it',
    query: () => sql`select s.id as step_id, s.node_id, r.order_id, e.id as event_id, e.type from steps s
      join runs r on r.id = s.run_id
      join lateral (select id, type from events e where e.order_id = r.order_id and e.consumed_by_step is null
        and e.type = any(s.wait_events) order by e.id limit 1) e on true
      where s.status = 'waiting' and r.status in ('running', 'waiting')
        and not ${jobWithKey(sql`'wake:' || s.id`)} order by s.id`,
  },
  {
    name: 'open-run-has-open-step',
    severity: 'error',
    message: 'a running or waiting run has a pending or waiting step (else it should have completed)',
    query:
      () => sql`select r.id as run_id, r.order_id, r.status from runs r where r.status in ('running', 'waiting')
      and not exists (select 1 from steps s where s.run_id = r.id and s.status in ('pending', 'running', 'waiting')) order by r.id`,
  },
  {
    name: 'email-key-once',
    severity: 'error',
    message: 'each email key is in the outbox once',
    query: () =>
      sql`select key, count(*)::int as copies from emails group by key having count(*) > 1 order by key`,
  },
  {
    name: 'queued-email-has-job',
    severity: 'error',
    message: 'every queued email has a deliver_email job (else it is never sent)',
    query: () => sql`select e.id as email_id, e.order_id, e.template from emails e where e.status = 'queued'
      and not ${jobWithKey(sql`'email:' || e.id`)} order by e.id`,
  },
  {
    name: 'reserved-matches-reservations',
    severity: 'error',
    needs: ['inventory', 'reservations'],
    message: 'inventory.reserved equals the sum of open reservations, and never exceeds on hand',
    query:
      () => sql`select i.sku, i.on_hand, i.reserved, coalesce(r.open, 0)::int as open_reservations from inventory i
      left join (select sku, sum(quantity) as open from reservations where status = 'reserved' group by sku) r on r.sku = i.sku
      where i.reserved <> coalesce(r.open, 0) or i.reserved > i.on_hand or i.on_hand < 0 order by i.sku`,
  },
  {
    name: 'kpi-facts-row',
    severity: 'error',
    needs: ['order_kpi_facts'],
    message: 'every order has one KPI facts row with its placed_at and channel (else the KPIs leave it out)',
    query: () => sql`select o.id as order_id, k.order_id is not null as has_row from orders o
      left join order_kpi_facts k on k.order_id = o.id
      where k.order_id is null or k.placed_at <> o.placed_at or k.channel <> o.channel order by o.id`,
  },
  {
    name: 'kpi-facts-match',
    severity: 'error',
    needs: ['order_kpi_facts', 'order_kpi_dirty'],
    message:
      'a filled KPI facts row not noted as changed holds what the order tables say now (else the KPIs read stale facts)',
    query:
      () => sql`select k.order_id from order_kpi_facts k cross join lateral (${factsOf(sql.ref('k.order_id'))}) f
      where k.state = 'filled' and k.order_id not in (select order_id from order_kpi_dirty)
        and (${factColumns('k')}) is distinct from (${factColumns('f')})
      order by k.order_id`,
  },
  {
    name: 'payment-captured-once',
    severity: 'error',
    needs: ['payments'],
    message: 'no order has more than one captured payment, or captured more than its total',
    query:
      () => sql`select p.order_id, count(*)::int as captures, sum(p.amount)::text as captured, o.total::text as total
      from payments p join orders o on o.id = p.order_id where p.status = 'captured'
      group by p.order_id, o.total having count(*) > 1 or sum(p.amount) > o.total order by p.order_id`,
  },
  {
    name: 'provider-charged-once',
    severity: 'error',
    needs: ['simulated_provider_charges'],
    message: 'the payment provider captured each order at most once',
    query: () => sql`select order_id, count(*)::int as charges from simulated_provider_charges
      where kind = 'capture' and status = 'captured' group by order_id having count(*) > 1 order by order_id`,
  },
  {
    name: 'provider-charge-recorded',
    severity: 'error',
    needs: ['simulated_provider_charges', 'payments'],
    message:
      'every capture at the provider is recorded as a payment under its idempotency key (else money was taken for a step that no longer exists)',
    query: (
      settle,
    ) => sql`select c.key, c.order_id, c.amount::text, c.created_at from simulated_provider_charges c
      where c.kind = 'capture' and c.status = 'captured' and c.created_at < now() - make_interval(secs => ${settle})
        and not exists (select 1 from payments p where p.idempotency_key = c.key and p.status = 'captured') order by c.key`,
  },
  {
    name: 'exhausted-jobs',
    severity: 'warning',
    message: 'jobs that failed every attempt (graphile-worker gave up on them); see last_error',
    query:
      () => sql`select j.id as job_id, t.identifier as task, j.key, j.attempts, left(j.last_error, 200) as last_error
      from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where j.attempts >= j.max_attempts order by j.id`,
  },
  {
    name: 'locked-by-dead-worker',
    severity: 'warning',
    message:
      'jobs locked for over a minute by a worker with no heartbeat row (released once a live worker reaps it)',
    query:
      () => sql`select j.id as job_id, j.key, j.locked_by, j.locked_at from graphile_worker._private_jobs j
      where j.locked_at < now() - interval '1 minute'
        and not exists (select 1 from worker_processes w where j.locked_by = any(w.graphile_worker_ids)) order by j.id`,
  },
]

export interface DoctorOptions {
  /** Rows shown per violated check. (Default: 20) */
  limit?: number
  /**
   * Seconds an outside effect (a capture at the provider) may go unrecorded before it counts:
   * a step in flight has charged but not committed yet. Pass 0 on a quiet database. (Default: 60)
   */
  settleSeconds?: number
}

/** Runs every check; returns the violated ones (an empty list means all is well). */
export async function runDoctor(db: Db, opts: DoctorOptions = {}): Promise<Violation[]> {
  const limit = opts.limit ?? 20
  const settle = opts.settleSeconds ?? 60
  const violations: Violation[] = []
  for (const check of CHECKS) {
    if (check.needs && !(await tablesExist(db, check.needs))) continue
    const { rows } = await check.query(settle).execute(db)
    if (rows.length === 0) continue
    violations.push({
      check: check.name,
      severity: check.severity,
      message: check.message,
      rows: rows.slice(0, limit),
      count: rows.length,
    })
  }
  return violations
}

export const DOCTOR_CHECKS = CHECKS.map((c) => c.name)

async function tablesExist(db: Db, tables: string[]): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean
  }>`select bool_and(to_regclass(t) is not null) as ok from unnest(${tables}::text[]) t`.execute(db)
  return rows[0]?.ok === true
}

/** The report `orderflow doctor` prints; returns the exit code (1 when an error-level check fails). */
export function formatDoctorReport(
  violations: Violation[],
  print: (line: string) => void = console.log,
): number {
  const failing = new Set(violations.map((v) => v.check))
  for (const name of DOCTOR_CHECKS) if (!failing.has(name)) print(`ok    ${name}`)
  for (const v of violations) {
    print(`${v.severity === 'error' ? 'FAIL ' : 'warn '} ${v.check}: ${v.count} × not so: ${v.message}`)
    for (const row of v.rows) print(`        ${JSON.stringify(row)}`)
    if (v.count > v.rows.length) print(`        ... and ${v.count - v.rows.length} more`)
  }
  const errors = violations.filter((v) => v.severity === 'error').length
  print(
    errors === 0
      ? 'doctor: all invariants hold'
      : `doctor: ${errors} invariant(s) violated; the rows above name the orders to look at`,
  )
  return errors === 0 ? 0 : 1
}
