import { spawnSync } from 'node:child_process'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, sampleOrder } from '../test/harness.ts'
import { addProducts } from './warehouse/testing.ts'
import { formatDoctorReport, runDoctor } from './doctor.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(async () => h?.close())

const failing = async () =>
  (await runDoctor(h.db, { settleSeconds: 0 })).filter((v) => v.severity === 'error').map((v) => v.check)

describe('orderflow doctor', () => {
  it('finds nothing wrong on a healthy database', async () => {
    await h.api('POST', '/api/orders', sampleOrder())
    expect(await failing()).toEqual([])
    const lines: string[] = []
    expect(formatDoctorReport(await runDoctor(h.db), (l) => lines.push(l))).toBe(0)
    expect(lines.at(-1)).toBe('doctor: all invariants hold')
  })

  it('names each broken invariant, and the CLI exits 1', async () => {
    const order = (await h.api('POST', '/api/orders', sampleOrder())).body
    const customer = await h.db.selectFrom('customers').select('id').executeTakeFirstOrThrow()
    // an order without a run
    const orphan = await h.db
      .insertInto('orders')
      .values({
        channel: 'web',
        external_id: 'NO-RUN',
        customer_id: customer.id,
        currency: 'EUR',
        shipping_address: '{}',
        shipping_method: 's',
        payment_method: 'card',
        subtotal: '1',
        shipping_total: '0',
        tax_total: '0',
        total: '1',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    // a pending step whose job is gone
    await sql`delete from graphile_worker._private_jobs`.execute(h.db)
    // stock that does not add up, and a double capture
    await addProducts(h.db, [{ sku: 'DOC', onHand: 5 }])
    await h.db.insertInto('reservations').values({ order_id: order.id, sku: 'DOC', quantity: 2 }).execute()
    for (const key of ['k1', 'k2']) {
      await h.db
        .insertInto('payments')
        .values({
          order_id: order.id,
          idempotency_key: key,
          provider: 'simulated',
          method: 'card',
          amount: '29.90',
          currency: 'EUR',
          status: 'captured',
          captured_at: new Date(),
        })
        .execute()
    }
    // an order whose KPI facts row is gone, and a filled row that says something else than its order
    await sql`delete from order_kpi_facts where order_id = ${orphan.id}`.execute(h.db)
    await sql`update order_kpi_facts set state = 'filled', units = 999 where order_id = ${order.id}`.execute(
      h.db,
    )
    // a queued email with no delivery job
    await h.db
      .insertInto('emails')
      .values({
        key: 'doc:1',
        order_id: order.id,
        template: 'x',
        template_version: 1,
        to_address: 'a@example.com',
        subject: 's',
        html: 'h',
        text: 't',
        status: 'queued',
      })
      .execute()
    // a capture at the provider that no payment records
    await h.db
      .insertInto('simulated_provider_charges')
      .values({
        key: 'lost',
        kind: 'capture',
        order_id: orphan.id,
        amount: '1.00',
        currency: 'EUR',
        status: 'captured',
        ref: 'ch_1',
      })
      .execute()

    expect((await failing()).sort()).toEqual(
      [
        'one-run-per-order',
        'pending-step-has-job',
        'reserved-matches-reservations',
        'payment-captured-once',
        'queued-email-has-job',
        'provider-charge-recorded',
        'kpi-facts-row',
        'kpi-facts-match',
      ].sort(),
    )
    const violations = await runDoctor(h.db, { settleSeconds: 0 })
    expect(violations.find((v) => v.check === 'one-run-per-order')!.rows).toEqual([
      { order_id: orphan.id, runs: 0 },
    ])
    // a fresh capture is a step in flight, not yet a violation
    expect((await runDoctor(h.db)).map((v) => v.check)).not.toContain('provider-charge-recorded')

    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'doctor'], {
      env: { ...process.env, DATABASE_URL: h.url },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(cli.status, cli.stdout + cli.stderr).toBe(1)
    expect(cli.stdout).toContain('FAIL  one-run-per-order')
    expect(cli.stdout).toContain(`"order_id":${orphan.id}`)
    expect(cli.stdout).toMatch(/ok {4}email-key-once/)
    expect(cli.stdout).toMatch(/doctor: \d+ invariant\(s\) violated/)
  })
})
