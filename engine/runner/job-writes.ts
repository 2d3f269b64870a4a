import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import type { OutboxRow } from '../email/outbox.ts'
import type { Order } from '../orders/order-model.ts'
import type { OpenEventRow } from './load-head.ts'
import type { StepRow } from './step-buffer.ts'

/**
 * The writes of a job that the runner itself makes besides step rows: emails its steps send and
 * events its waits consume. They are kept in memory, tagged with the step that made them (so a
 * step that fails drops its own), and written with the step rows, the order and the run in ONE
 * statement when the job ends (`commitJob`).
 *
 * Events come from the job's head query: new events for the order need its row lock, which
 * this job holds, so the list stays true for the whole job.
 */
export class JobWrites {
  readonly emails: OutboxRow[] = []
  readonly consumed: { eventId: number; stepId: number }[] = []

  constructor(private openEvents: OpenEventRow[]) {}

  /** The oldest open event of one of `types`, now consumed by the step. */
  takeEvent(types: string[], stepId: number): OpenEventRow | undefined {
    const taken = new Set(this.consumed.map((c) => c.eventId))
    const event = this.openEvents.find((e) => types.includes(e.type) && !taken.has(e.id))
    if (event) this.consumed.push({ eventId: event.id, stepId })
    return event
  }

  addEmail(row: OutboxRow) {
    // the same key twice in one job (a node sending one template twice) is one email
    if (!this.emails.some((e) => e.key === row.key)) this.emails.push(row)
  }

  /** Forgets what a failed step did, as the rollback of its savepoint forgets its writes. */
  dropStep(stepId: number) {
    remove(this.emails, (e) => e.step_id === stepId)
    remove(this.consumed, (c) => c.stepId === stepId)
  }
}

function remove<T>(list: T[], drop: (item: T) => boolean) {
  for (let i = list.length - 1; i >= 0; i--) if (drop(list[i]!)) list.splice(i, 1)
}

export interface JobCommit {
  runId: number
  /** every step row the job touched (ids); the rows it made, and the stored ones it changed */
  jobStepIds: number[]
  steps: { created: StepRow[]; changed: StepRow[] }
  /** statuses of the job's steps after it: with the run's other open steps they settle the run */
  jobStepStatuses: string[]
  order: Order
  orderChanged: boolean
  /** set when a permanent error no error port caught: the run and the order fail */
  failure: string | undefined
  writes: JobWrites
}

/** The step columns as jsonb_to_recordset reads them. */
const STEP_COLUMNS = sql.raw(`id bigint, run_id bigint, node_id text, node_type text, visit int, status text,
  attempt int, port text, output jsonb, state jsonb, error text, wait_events text[], wait_until timestamptz,
  created_at timestamptz, started_at timestamptz, waiting_since timestamptz, finished_at timestamptz`)

/**
 * Everything a job changed, in one statement: step rows (new ones inserted, stored ones updated:
 * a plain insert costs PostgreSQL less than an upsert), outbox emails with their delivery jobs,
 * consumed events, the order, and the run's status. The run is settled from
 * the run's open steps that this job did not touch (read from the statement's snapshot, which
 * does not see the step rows this same statement writes) plus the job's own steps.
 */
export async function commitJob(tx: Tx, c: JobCommit) {
  const { order, writes } = c
  const orderStatus = c.failure ? 'failed' : order.status
  await sql`
    with s as (
      insert into steps (id, run_id, node_id, node_type, visit, status, attempt, port, output, state, error,
        wait_events, wait_until, created_at, started_at, waiting_since, finished_at)
      select id, run_id, node_id, node_type, visit, status, attempt, port, output, state, error,
        wait_events, wait_until, created_at, started_at, waiting_since, finished_at
      from jsonb_to_recordset(${JSON.stringify(c.steps.created)}::jsonb) as t(${STEP_COLUMNS})
    ),
    u as (
      update steps set status = t.status, attempt = t.attempt, port = t.port, output = t.output, state = t.state,
        error = t.error, wait_events = t.wait_events, wait_until = t.wait_until, started_at = t.started_at,
        waiting_since = t.waiting_since, finished_at = t.finished_at
      from jsonb_to_recordset(${JSON.stringify(c.steps.changed)}::jsonb) as t(${STEP_COLUMNS})
      -- the id list too: it makes the plan look the rows up by primary key, not scan the table
      where steps.id = t.id and steps.id = any(${c.steps.changed.map((r) => r.id)}::bigint[])
    ),
    e as (
      insert into emails (key, order_id, step_id, template, template_version, to_address, subject, html, text, status)
      select key, order_id, step_id, template, template_version, to_address, subject, html, text, status
      from jsonb_to_recordset(${JSON.stringify(writes.emails)}::jsonb) as t(key text, order_id bigint, step_id bigint,
        template text, template_version int, to_address text, subject text, html text, text text, status text)
      on conflict (key) do nothing
      returning id, status
    ),
    consumed as (
      update events set consumed_by_step = x.step_id
      from unnest(${writes.consumed.map((w) => w.eventId)}::bigint[], ${writes.consumed.map((w) => w.stepId)}::bigint[]) as x(event_id, step_id)
      where events.id = x.event_id
    ),
    o as (
      update orders set status = ${orderStatus}, attributes = ${JSON.stringify(order.attributes)}::jsonb,
        tags = ${order.tags}::text[], updated_at = now()
      where id = ${order.id} and ${c.orderChanged || c.failure !== undefined}
    ),
    open_steps as (
      select status from steps
      where run_id = ${c.runId} and status in ('pending', 'running', 'waiting') and id <> all(${c.jobStepIds}::bigint[])
      union all
      select unnest(${c.jobStepStatuses}::text[])
    ),
    settled as (
      select case
        when ${c.failure ?? null}::text is not null then 'failed'
        when count(*) filter (where status in ('pending', 'running')) > 0 then 'running'
        when count(*) filter (where status = 'waiting') > 0 then 'waiting'
        else 'completed' end as status
      from open_steps
    ),
    r as (
      update runs set status = settled.status, error = ${c.failure ?? null},
        finished_at = case when settled.status in ('completed', 'failed') then now() end
      from settled where runs.id = ${c.runId}
    )
    -- the delivery job of each new queued email (SMTP on); the job key makes a repeat replace it
    select count(graphile_worker.add_job('deliver_email', json_build_object('emailId', e.id), job_key := 'email:' || e.id)) as jobs
    from e where e.status = 'queued'`.execute(tx)
}
