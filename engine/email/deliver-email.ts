import type { Task } from 'graphile-worker'
import type { Db } from '../db.ts'
import { faultPoint } from '../faults.ts'
import { smtpTransport } from './smtp.ts'
import { currentShop } from './template-data.ts'

/**
 * Sends one outbox email over SMTP and marks it sent. A failure records the error and throws, so
 * graphile-worker retries with backoff; on the final attempt the email is marked 'failed'.
 *
 * Sending and marking cannot be one transaction, so a crash in between sends the email again on
 * the retry. The Message-ID is derived from the outbox key, which lets the receiving side
 * recognise the duplicate.
 */
export async function deliverEmail(
  db: Db,
  emailId: number,
  opts: { finalAttempt?: boolean } = {},
): Promise<'sent' | 'already-sent' | 'missing'> {
  const email = await db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirst()
  if (!email) return 'missing'
  if (email.status === 'sent') return 'already-sent'
  const shop = currentShop()
  try {
    await smtpTransport().sendMail({
      from: { name: shop.name, address: shop.supportEmail },
      to: email.to_address,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: messageIdFor(email.key, shop.supportEmail),
      headers: { 'X-Orderflow-Email-Key': email.key },
    })
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    await db
      .updateTable('emails')
      .set({ error: message, ...(opts.finalAttempt ? { status: 'failed' as const } : {}) })
      .where('id', '=', emailId)
      .execute()
    throw new Error(`Email ${emailId} to ${email.to_address} could not be sent: ${message}`, { cause })
  }
  faultPoint('after-email-send')
  await db
    .updateTable('emails')
    .set({ status: 'sent', sent_at: new Date(), error: null })
    .where('id', '=', emailId)
    .execute()
  return 'sent'
}

/**
 * `<key@domain>` with every byte outside [A-Za-z0-9_-] written as =XX: a valid, injective
 * Message-ID for any outbox key (keys hold ':' and other characters a Message-ID may not).
 */
export function messageIdFor(key: string, fromAddress: string): string {
  const local = [...Buffer.from(key, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b)
      return /[A-Za-z0-9_-]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`
    })
    .join('')
  const domain = /@([A-Za-z0-9.-]+)$/.exec(fromAddress)?.[1] ?? 'orderflow.invalid'
  return `<${local}@${domain}>`
}

/** The graphile-worker task `deliver_email` (payload `{ emailId }`). */
export function deliverEmailTask(db: Db): Task {
  return async (payload, helpers) => {
    const emailId = (payload as { emailId?: unknown } | null)?.emailId
    if (typeof emailId !== 'number') {
      helpers.logger.error(
        `deliver_email: payload ${JSON.stringify(payload)} has no numeric emailId; dropping it.`,
      )
      return
    }
    await deliverEmail(db, emailId, { finalAttempt: helpers.job.attempts >= helpers.job.max_attempts })
  }
}

/** A `deliver_email` task that never sends: the queued email is kept in the outbox as 'stored'. */
export function storeEmailTask(db: Db): Task {
  return async (payload) => {
    const emailId = (payload as { emailId?: unknown } | null)?.emailId
    if (typeof emailId !== 'number') return
    await db.updateTable('emails').set({ status: 'stored' }).where('id', '=', emailId).where('status', '=', 'queued').execute()
  }
}
