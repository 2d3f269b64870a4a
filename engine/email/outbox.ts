import { type Selectable, sql } from 'kysely'
import type { Executor } from '../db.ts'
import type { EmailsTable } from '../db-types.ts'
import { StepFailed } from '../errors.ts'
import type { Order } from '../orders/order-model.ts'
import { smtpEnabled } from './smtp.ts'
import { templateData } from './template-data.ts'
import { TemplateError } from './template-error.ts'
import { renderLatest } from './template-store.ts'

export { configureSmtp } from './smtp.ts'

/** An outbox row as the API shows it. */
export interface OutboxEmail {
  id: number
  key: string
  orderId: number | null
  stepId: number | null
  template: string
  templateVersion: number
  to: string
  subject: string
  html: string
  text: string
  status: 'queued' | 'sent' | 'stored' | 'failed'
  error: string | null
  createdAt: Date
  sentAt: Date | null
}

export interface QueueEmailInput {
  /** unique per email ever sent, e.g. `${step.key}:${template}`: a retry with the same key sends nothing */
  key: string
  template: string
  order: Order
  /** (Default: the customer's email) */
  to?: string
  /** (Default: `order.id`; pass null for an order that is not in the database, e.g. the sample) */
  orderId?: number | null
  stepId?: number | null
  /** per-email template data: tracking, reason, refund, ... */
  extra?: Record<string, unknown>
}

/** An outbox row ready to insert: rendered, but not yet written. */
export interface OutboxRow {
  key: string
  order_id: number | null
  step_id: number | null
  template: string
  template_version: number
  to_address: string
  subject: string
  html: string
  text: string
  status: 'queued' | 'stored'
}

/**
 * Renders the live version of the template into an outbox row. Throws StepFailed (the node's
 * error) for a template that is missing or cannot render this order. `templatesStamp` (from the
 * runner's head query) lets the template look-up come from this process's cache.
 */
export async function renderOutboxEmail(tx: Executor, input: QueueEmailInput, templatesStamp?: string): Promise<OutboxRow> {
  let rendered: Awaited<ReturnType<typeof renderLatest>>
  try {
    rendered = await renderLatest(tx, input.template, templateData(input.order, input.extra), templatesStamp)
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e
    throw new StepFailed(
      `Email template "${input.template}" cannot be rendered for order ${input.order.id}: ${e.message}. Fix the template or the data the node passes, then retry the run.`,
      { cause: e },
    )
  }
  if (!rendered) {
    throw new StepFailed(
      `Email template "${input.template}" does not exist; create it under Templates, then retry the run.`,
    )
  }
  return {
    key: input.key,
    order_id: input.orderId === undefined ? input.order.id : input.orderId,
    step_id: input.stepId ?? null,
    template: input.template,
    template_version: rendered.template.version,
    to_address: input.to ?? input.order.customer.email,
    ...rendered.email,
    status: smtpEnabled() ? 'queued' : 'stored',
  }
}

/**
 * Puts outbox rows in, with the delivery job of each queued one, in ONE statement inside the
 * caller's transaction: an email and its job commit together or not at all. A key used already
 * (a retry of a step that never committed, or a concurrent transaction) inserts nothing.
 * Returns the rows inserted.
 */
export async function insertOutboxEmails(tx: Executor, rows: OutboxRow[]): Promise<Selectable<EmailsTable>[]> {
  if (rows.length === 0) return []
  const { rows: inserted } = await sql<Selectable<EmailsTable>>`
    with e as (
      insert into emails (key, order_id, step_id, template, template_version, to_address, subject, html, text, status)
      select key, order_id, step_id, template, template_version, to_address, subject, html, text, status
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as t(key text, order_id bigint, step_id bigint,
        template text, template_version int, to_address text, subject text, html text, text text, status text)
      on conflict (key) do nothing
      returning *
    )
    -- the job key makes a second enqueue for the same email replace, not duplicate, the job
    select e.*, case when e.status = 'queued' then graphile_worker.add_job('deliver_email',
        json_build_object('emailId', e.id), job_key := 'email:' || e.id) end is not null as job
    from e`.execute(tx)
  return inserted
}

/**
 * Renders the live version of the template and puts the email in the outbox, inside the
 * caller's transaction (see insertOutboxEmails). Returns `inserted: false` (and the row stored
 * earlier) when the key was already used.
 */
export async function queueEmail(
  tx: Executor,
  input: QueueEmailInput,
): Promise<{ inserted: boolean; email: OutboxEmail }> {
  // No look-up first: a key is used again only by a retry of a step that never committed, so
  // the insert almost never conflicts, and a conflict costs one wasted render.
  const [row] = await insertOutboxEmails(tx, [await renderOutboxEmail(tx, input)])
  if (!row) return { inserted: false, email: (await findByKey(tx, input.key))! }
  return { inserted: true, email: toOutboxEmail(row) }
}

async function findByKey(db: Executor, key: string): Promise<OutboxEmail | undefined> {
  const row = await db.selectFrom('emails').selectAll().where('key', '=', key).executeTakeFirst()
  return row && toOutboxEmail(row)
}

export function toOutboxEmail(row: Selectable<EmailsTable>): OutboxEmail {
  return {
    id: row.id,
    key: row.key,
    orderId: row.order_id,
    stepId: row.step_id,
    template: row.template,
    templateVersion: row.template_version,
    to: row.to_address,
    subject: row.subject,
    html: row.html,
    text: row.text,
    status: row.status,
    error: row.error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  }
}
