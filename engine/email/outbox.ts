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

/**
 * Renders the live version of the template and puts the email in the outbox, inside the
 * caller's transaction. With SMTP on, the delivery job is added in that same transaction, so
 * the email and its job commit together or not at all. Returns `inserted: false` (and the row
 * stored earlier) when the key was already used.
 */
export async function queueEmail(
  tx: Executor,
  input: QueueEmailInput,
): Promise<{ inserted: boolean; email: OutboxEmail }> {
  // No look-up first: a key is used again only by a retry of a step that never committed, so
  // the insert below almost never conflicts, and a conflict costs one wasted render.
  let rendered: Awaited<ReturnType<typeof renderLatest>>
  try {
    rendered = await renderLatest(tx, input.template, templateData(input.order, input.extra))
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
  const queued = smtpEnabled()
  const row = await tx
    .insertInto('emails')
    .values({
      key: input.key,
      order_id: input.orderId === undefined ? input.order.id : input.orderId,
      step_id: input.stepId ?? null,
      template: input.template,
      template_version: rendered.template.version,
      to_address: input.to ?? input.order.customer.email,
      ...rendered.email,
      status: queued ? 'queued' : 'stored',
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst()
  // the key was used already (a second send in the same step, or a concurrent transaction)
  if (!row) return { inserted: false, email: (await findByKey(tx, input.key))! }
  if (queued) {
    // the job key makes a second enqueue for the same email replace, not duplicate, the job
    await sql`select graphile_worker.add_job('deliver_email', json_build_object('emailId', ${row.id}::bigint), job_key := ${`email:${row.id}`})`.execute(
      tx,
    )
  }
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
