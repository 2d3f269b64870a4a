import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runDoctor } from '../engine/doctor.ts'
import { FAULT_POINTS, type FaultPoint } from '../engine/faults.ts'
import { addProducts } from '../engine/warehouse/testing.ts'
import { orderFlow, registerOrderNodes } from './fixtures/order-nodes.ts'
import { killAllWorkers, spawnWorker } from './fixtures/spawn-worker.ts'
import { startSmtpSink } from './fixtures/smtp-sink.ts'
import { createHarness, eventually, type Harness, sampleOrder } from './harness.ts'
import { registerSlowNode } from './test-nodes.ts'

/**
 * SIGKILL at each named point (engine/faults.ts), then a restart: every order ends in its
 * final state, each email is in the outbox once and reaches the SMTP peer under one Message-ID,
 * each payment is captured once (in our table and at the provider), stock is exact, and
 * `orderflow doctor` finds nothing wrong.
 */

let h: Harness
let sink: Awaited<ReturnType<typeof startSmtpSink>>
const ORDERS_PER_POINT = 8
const QTY = 2

const spawn = (env: Record<string, string> = {}) => spawnWorker(h.url, { SMTP_URL: sink.url, ...env })

beforeAll(async () => {
  registerOrderNodes()
  sink = await startSmtpSink()
})
afterEach(async () => {
  killAllWorkers()
  await h?.close()
})
afterAll(async () => {
  killAllWorkers()
  await sink?.close()
})

/** A database of its own per fault point: the doctor's verdict is about that point alone. */
async function freshDatabase(sku: string) {
  sink.received.length = 0
  h = await createHarness()
  await addProducts(h.db, [{ sku, onHand: 1000 }])
  await h.api('POST', '/api/flows', { id: 'faults', name: 'Faults', graph: orderFlow })
  const pub = await h.api('POST', '/api/flows/faults/publish', {})
  expect(pub.status, JSON.stringify(pub.body)).toBe(201)
}

/** Which hit of the point kills: late enough that some orders went through before the crash. */
const AFTER: Record<FaultPoint, number> = {
  'before-step-commit': 3,
  'after-step-commit': 3,
  'after-email-send': 3,
  'during-reservation': 3,
  'during-payment-capture': 3,
}

describe('SIGKILL at each fault point, then a restart', () => {
  for (const point of FAULT_POINTS) {
    it(`${point}: every order completes with one email, one capture and exact stock`, async () => {
      const sku = `SKU-${point}`
      await freshDatabase(sku)
      const ids: number[] = []
      for (let i = 0; i < ORDERS_PER_POINT; i++) {
        const res = await h.api(
          'POST',
          '/api/orders',
          sampleOrder({
            flowId: 'faults',
            lines: [{ sku, quantity: QTY, unitPrice: '12.50' }],
            totals: { subtotal: '25.00', shipping: '0.00', tax: '0.00', total: '25.00' },
          }),
        )
        expect(res.status, JSON.stringify(res.body)).toBe(201)
        ids.push(res.body.id)
      }
      const victim = spawn({ ORDERFLOW_FAULT: point, ORDERFLOW_FAULT_AFTER: String(AFTER[point]) })
      const died = await Promise.race([
        victim.exit,
        new Promise<'alive'>((r) => setTimeout(() => r('alive'), 20_000)),
      ])
      expect(died, `the worker should have killed itself at ${point}`).toEqual({
        code: null,
        signal: 'SIGKILL',
      })

      const survivor = spawn()
      await survivor.ready
      try {
        await eventually(
          async () => {
            const runs = await h.db.selectFrom('runs').select('status').where('order_id', 'in', ids).execute()
            const emails = await h.db
              .selectFrom('emails')
              .select('status')
              .where('order_id', 'in', ids)
              .execute()
            return (
              runs.every((r) => r.status === 'completed') &&
              emails.length === ids.length &&
              emails.every((e) => e.status === 'sent')
            )
          },
          25_000,
          `the orders of ${point} to complete and their emails to be sent`,
        )
      } finally {
        await survivor.stop()
      }

      const errors = (await runDoctor(h.db, { settleSeconds: 0 })).filter((v) => v.severity === 'error')
      expect(errors).toEqual([])
      for (const id of ids) {
        const runs = await h.db.selectFrom('runs').select('status').where('order_id', '=', id).execute()
        expect(runs).toEqual([{ status: 'completed' }])
        const steps = await h.db
          .selectFrom('steps')
          .innerJoin('runs', 'runs.id', 'steps.run_id')
          .select(['steps.node_id', 'steps.status'])
          .where('runs.order_id', '=', id)
          .orderBy('steps.id')
          .execute()
        expect(steps.map((s) => `${s.node_id}:${s.status}`)).toEqual([
          'in:completed',
          'pay:completed',
          'stock:completed',
          'mail:completed',
          'end:completed',
        ])
        const payments = await h.db
          .selectFrom('payments')
          .select(['status', 'amount'])
          .where('order_id', '=', id)
          .execute()
        expect(payments).toEqual([{ status: 'captured', amount: '25.00' }])
        const charges = await h.db
          .selectFrom('simulated_provider_charges')
          .select('status')
          .where('order_id', '=', id)
          .where('kind', '=', 'capture')
          .execute()
        expect(charges).toEqual([{ status: 'captured' }])
        const reservations = await h.db
          .selectFrom('reservations')
          .select(['quantity', 'status'])
          .where('order_id', '=', id)
          .execute()
        expect(reservations).toEqual([{ quantity: QTY, status: 'reserved' }])
      }
      const stock = await h.db
        .selectFrom('inventory')
        .select(['on_hand', 'reserved'])
        .where('sku', '=', sku)
        .executeTakeFirstOrThrow()
      expect(stock).toEqual({ on_hand: 1000, reserved: ORDERS_PER_POINT * QTY })

      const emails = await h.db.selectFrom('emails').select(['key']).where('order_id', 'in', ids).execute()
      expect(emails).toHaveLength(ORDERS_PER_POINT)
      for (const { key } of emails) {
        const copies = sink.received.filter((m) => m.key === key)
        expect(copies.length, key).toBeGreaterThanOrEqual(1)
        // SMTP has no transaction to join: a kill between "sent" and "marked sent" sends again on
        // the retry, always under the same Message-ID, which receiving systems deduplicate on
        expect(new Set(copies.map((c) => c.messageId)).size, key).toBe(1)
        if (point !== 'after-email-send') expect(copies.length, key).toBe(1)
      }
    })
  }
})

describe('a live worker wrongly declared dead', () => {
  it('two workers on the same job (a stall longer than ORDERFLOW_DEAD_WORKER_AFTER) still capture once and run each step once', async () => {
    await freshDatabase('SKU-stall')
    registerSlowNode()
    const graph = structuredClone(orderFlow)
    // the email step holds the job's transaction open for a while, like a worker stalled mid-job
    graph.nodes.find((n) => n.id === 'mail')!.type = 'test-slow'
    graph.nodes.find((n) => n.id === 'mail')!.config = { sleepMs: 1500 }
    graph.edges.find((e) => e.source === 'mail')!.sourceHandle = 'ok'
    await h.api('PUT', '/api/flows/faults', { graph })
    expect((await h.api('POST', '/api/flows/faults/publish', {})).status).toBe(201)
    const id = (
      await h.api(
        'POST',
        '/api/orders',
        sampleOrder({
          flowId: 'faults',
          lines: [{ sku: 'SKU-stall', quantity: 1, unitPrice: '25.00' }],
          totals: { subtotal: '25.00', shipping: '0.00', tax: '0.00', total: '25.00' },
        }),
      )
    ).body.id
    await h.worker({ deadAfterSeconds: 3600 })
    const locked = await eventually(
      async () => {
        const { rows } = await sql<{
          locked_by: string
        }>`select locked_by from graphile_worker._private_jobs where locked_by is not null`.execute(h.db)
        return rows[0]
      },
      10_000,
      'the job to be running',
    )
    await new Promise((r) => setTimeout(r, 300))
    // what the reaper does to a worker whose heartbeat is late: its job goes to another worker
    await sql`select graphile_worker.force_unlock_workers(array[${locked.locked_by}]::text[])`.execute(h.db)
    await h.worker({ deadAfterSeconds: 3600 })
    await eventually(
      async () =>
        (await h.db.selectFrom('runs').select('status').where('order_id', '=', id).executeTakeFirstOrThrow())
          .status === 'completed',
      15_000,
      'the run to complete',
    )
    await new Promise((r) => setTimeout(r, 2500)) // let the second job finish whatever it does
    const steps = await h.db
      .selectFrom('steps')
      .innerJoin('runs', 'runs.id', 'steps.run_id')
      .select(['steps.node_id', 'steps.visit'])
      .where('runs.order_id', '=', id)
      .orderBy('steps.id')
      .execute()
    expect(steps.map((s) => `${s.node_id}#${s.visit}`)).toEqual([
      'in#1',
      'pay#1',
      'stock#1',
      'mail#1',
      'end#1',
    ])
    expect(await h.db.selectFrom('payments').select('status').where('order_id', '=', id).execute()).toEqual([
      { status: 'captured' },
    ])
    expect((await runDoctor(h.db, { settleSeconds: 0 })).filter((v) => v.severity === 'error')).toEqual([])
  })
})
