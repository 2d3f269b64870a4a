import type { AddressInfo } from 'node:net'
import { run } from 'graphile-worker'
import { sql } from 'kysely'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import type { Db } from '../db.ts'
import { StepFailed } from '../errors.ts'
import { loadOrder } from '../orders/load-order.ts'
import type { Order } from '../orders/order-model.ts'
import { deliverEmail, deliverEmailTask } from './deliver-email.ts'
import { configureSmtp, queueEmail } from './outbox.ts'
import { sampleOrder } from './template-data.ts'
import { seedTemplates } from './template-store.ts'

const t = await createTestDb()
const tracking = { tracking: { number: 'JD1', url: 'https://track.example/JD1', carrier: 'DHL' } }

/** The outside world: a real SMTP peer that keeps what it receives. */
const received: { to: string[]; raw: string }[] = []
const sink = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    let raw = ''
    stream.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8')
    })
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw })
      callback()
    })
  },
})
let smtpUrl = ''
let order: Order

beforeAll(async () => {
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  smtpUrl = `smtp://127.0.0.1:${(sink.server.address() as AddressInfo).port}`
  await seedTemplates(t.db)
  order = await insertOrder(t.db, sampleOrder())
})
afterAll(async () => {
  configureSmtp(undefined)
  await new Promise<void>((resolve) => sink.close(() => resolve()))
  await t.close()
})

describe('outbox', () => {
  it('stores an email once per key, however often the step is retried', async () => {
    configureSmtp(undefined)
    const input = { key: 'step-1:order-confirmation', template: 'order-confirmation', order, stepId: null }
    const first = await t.db.transaction().execute((tx) => queueEmail(tx, input))
    const second = await t.db.transaction().execute((tx) => queueEmail(tx, input))
    expect(first.inserted).toBe(true)
    expect(second).toEqual({ inserted: false, email: first.email })
    expect(first.email).toMatchObject({ status: 'stored', to: 'ada.lovelace@example.com', orderId: order.id })
    expect(first.email.subject).toBe('Thanks for your order #NW-100234')
    const rows = await t.db.selectFrom('emails').select('id').where('key', '=', input.key).execute()
    expect(rows).toHaveLength(1)
  })

  it('two concurrent transactions with the same key insert one row', async () => {
    const input = { key: 'step-2:delivered', template: 'delivered', order }
    const results = await Promise.all(
      [1, 2].map(() => t.db.transaction().execute((tx) => queueEmail(tx, input))),
    )
    expect(results.filter((r) => r.inserted)).toHaveLength(1)
    expect(results[0]!.email.id).toBe(results[1]!.email.id)
  })

  it('a rolled-back step leaves no email behind', async () => {
    const key = 'step-3:delivered'
    await t.db
      .transaction()
      .execute(async (tx) => {
        await queueEmail(tx, { key, template: 'delivered', order })
        throw new Error('step crashed')
      })
      .catch(() => {})
    expect(await t.db.selectFrom('emails').select('id').where('key', '=', key).execute()).toEqual([])
  })

  it('fails the step with a clear message when the data does not fit the template', async () => {
    const err = await queueEmail(t.db, { key: 'step-4:shipped', template: 'shipped', order }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StepFailed)
    expect((err as Error).message).toMatch(/"shipped" cannot be rendered .*"carrier"/)
    const missing = await queueEmail(t.db, { key: 'step-4:nope', template: 'nope', order }).catch(
      (e: unknown) => e,
    )
    expect((missing as Error).message).toMatch(/"nope" does not exist/)
  })
})

describe('SMTP delivery', () => {
  it('queues the delivery job in the same transaction and sends through SMTP once', async () => {
    configureSmtp(smtpUrl)
    const key = 'step-5:shipped'
    const { email } = await t.db
      .transaction()
      .execute((tx) => queueEmail(tx, { key, template: 'shipped', order, extra: tracking }))
    expect(email.status).toBe('queued')
    const jobs = await sql<{ key: string; payload: { emailId: number } }>`
      select j.key, j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'deliver_email'`.execute(
      t.db,
    )
    expect(jobs.rows).toEqual([{ key: `email:${email.id}`, payload: { emailId: email.id } }])

    const before = received.length
    expect(await deliverEmail(t.db, email.id)).toBe('sent')
    // a job that runs again after a crash finds the email sent and sends nothing
    expect(await deliverEmail(t.db, email.id)).toBe('already-sent')
    expect(received.length).toBe(before + 1)
    const msg = received.at(-1)!
    expect(msg.to).toEqual(['ada.lovelace@example.com'])
    expect(msg.raw).toMatch(/^Message-ID: <step-5=3Ashipped@northwind\.example>$/im)
    expect(msg.raw).toMatch(/^Subject: Your order #NW-100234 is on its way$/im)
    expect(msg.raw).toContain('https://track.example/JD1')
    const row = await t.db
      .selectFrom('emails')
      .selectAll()
      .where('id', '=', email.id)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'sent', error: null })
    expect(row.sent_at).toBeInstanceOf(Date)
  })

  it('records the error and throws when the SMTP server is down, so the job retries', async () => {
    configureSmtp(smtpUrl)
    const { email } = await queueEmail(t.db, { key: 'step-6:delivered', template: 'delivered', order })
    configureSmtp('smtp://127.0.0.1:1')
    await expect(deliverEmail(t.db, email.id)).rejects.toThrow(/could not be sent/)
    let row = await t.db.selectFrom('emails').selectAll().where('id', '=', email.id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'queued', error: expect.stringMatching(/ECONNREFUSED/) })
    await expect(deliverEmail(t.db, email.id, { finalAttempt: true })).rejects.toThrow()
    row = await t.db.selectFrom('emails').selectAll().where('id', '=', email.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('failed')
  })

  it('a graphile-worker running deliver_email sends the queued email', async () => {
    configureSmtp(smtpUrl)
    const { email } = await t.db
      .transaction()
      .execute((tx) => queueEmail(tx, { key: 'step-7:review-request', template: 'review-request', order }))
    const runner = await run({
      connectionString: t.url,
      concurrency: 1,
      noHandleSignals: true,
      pollInterval: 100,
      parsedCronItems: [],
      logger: (await import('../migrate.ts')).silentLogger,
      taskList: { deliver_email: deliverEmailTask(t.db) },
    })
    try {
      for (let i = 0; i < 100; i++) {
        const row = await t.db
          .selectFrom('emails')
          .select('status')
          .where('id', '=', email.id)
          .executeTakeFirstOrThrow()
        if (row.status === 'sent') break
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      await runner.stop()
    }
    const row = await t.db
      .selectFrom('emails')
      .select('status')
      .where('id', '=', email.id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('sent')
    expect(received.some((m) => m.raw.includes('step-7=3Areview-request'))).toBe(true)
  })
})

async function insertOrder(db: Db, o: Order): Promise<Order> {
  const customer = await db
    .insertInto('customers')
    .values({ email: o.customer.email, name: o.customer.name })
    .returning('id')
    .executeTakeFirstOrThrow()
  const row = await db
    .insertInto('orders')
    .values({
      channel: o.channel,
      external_id: o.externalId,
      customer_id: customer.id,
      status: o.status,
      currency: o.currency,
      shipping_address: JSON.stringify(o.shippingAddress),
      shipping_method: o.shippingMethod,
      payment_method: o.paymentMethod,
      payment: JSON.stringify(o.payment),
      subtotal: o.totals.subtotal,
      shipping_total: o.totals.shipping,
      tax_total: o.totals.tax,
      total: o.totals.total,
      attributes: JSON.stringify(o.attributes),
      tags: o.tags,
      placed_at: o.placedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('order_lines')
    .values(
      o.lines.map((l) => ({
        order_id: row.id,
        line_no: l.lineNo,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unit_price: l.unitPrice,
      })),
    )
    .execute()
  return (await loadOrder(db, row.id))!
}
