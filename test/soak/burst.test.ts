import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../engine/api/app.ts'
import { runDoctor } from '../../engine/doctor.ts'
import { addProducts } from '../../engine/warehouse/testing.ts'
import { orderFlow, registerOrderNodes } from '../fixtures/order-nodes.ts'
import { killAllWorkers, spawnWorker, type WorkerProc } from '../fixtures/spawn-worker.ts'
import { createHarness, type Harness, sampleOrder } from '../harness.ts'

/**
 * 10,000 orders through POST /api/orders over HTTP while three worker processes run them
 * (receive → pay → check-stock → email → end). Every order completes, the doctor finds
 * nothing, and the workers' memory stays flat. Figures are printed for the report.
 */
const ORDERS = Number(process.env.SOAK_ORDERS ?? 10_000)
const WORKERS = 3
const CLIENTS = 16

let h: Harness
let server: ServerType
let base = ''
const workers: WorkerProc[] = []

beforeAll(async () => {
  registerOrderNodes()
  h = await createHarness()
  await addProducts(h.db, [{ sku: 'BURST', onHand: ORDERS * 2 }])
  await h.api('POST', '/api/flows', { id: 'burst', name: 'Burst', graph: orderFlow })
  expect((await h.api('POST', '/api/flows/burst/publish', {})).status).toBe(201)
  // the default per-token limit (3000/min) would rightly slow a 10,000-order burst from one token
  const app = createApp({
    db: h.db,
    log: pino({ level: 'silent' }),
    intakeRateLimit: { points: 0, durationSeconds: 60 },
  })
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const w of workers) await w.stop()
  killAllWorkers()
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await h?.close()
})

describe('a burst of orders', () => {
  it(`${ORDERS} orders through the intake API with ${WORKERS} workers: all complete, invariants hold, memory flat`, async () => {
    for (let i = 0; i < WORKERS; i++) workers.push(spawnWorker(h.url, { CONCURRENCY: '4', DEAD_AFTER: '5' }))
    await Promise.all(workers.map((w) => w.ready))
    const token = await h.tokenFor('channel')

    const rss: { at: number; done: number; mb: number[] }[] = []
    const completed = async () =>
      Number(
        (
          await h.db
            .selectFrom('runs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'completed')
            .executeTakeFirstOrThrow()
        ).n,
      )
    const started = Date.now()
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        rss.push({ at: Date.now() - started, done: await completed(), mb: workers.map((w) => w.rssMb()) })
        await new Promise((r) => setTimeout(r, 1000))
      }
    })()

    let next = 0
    let failures = 0
    const client = async () => {
      while (next < ORDERS) {
        const i = next++
        const body = JSON.stringify(
          sampleOrder({
            externalId: `BURST-${i}`,
            flowId: 'burst',
            customer: { email: `c${i % 500}@example.com`, name: 'Burst' },
            lines: [{ sku: 'BURST', quantity: 1, unitPrice: '10.00' }],
            totals: { subtotal: '10.00', shipping: '0.00', tax: '0.00', total: '10.00' },
          }),
        )
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(`${base}/api/orders`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body,
          })
          await res.arrayBuffer()
          if (res.status === 201 || res.status === 200) break
          failures++
          if (attempt > 5) throw new Error(`intake kept failing: ${res.status}`)
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, client))
    const intakeMs = Date.now() - started

    const deadline = Date.now() + 8 * 60_000
    while ((await completed()) < ORDERS) {
      if (Date.now() > deadline) throw new Error(`only ${await completed()} of ${ORDERS} completed in time`)
      await new Promise((r) => setTimeout(r, 500))
    }
    const totalMs = Date.now() - started
    sampling = false
    await sampler
    rss.push({ at: totalMs, done: ORDERS, mb: workers.map((w) => w.rssMb()) })

    const violations = await runDoctor(h.db, { settleSeconds: 0 })
    const counts = await h.db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.countAll<number>().as('orders'),
        eb
          .selectFrom('runs')
          .select((r) => r.fn.countAll<number>().as('n'))
          .as('runs'),
        eb
          .selectFrom('emails')
          .select((r) => r.fn.countAll<number>().as('n'))
          .as('emails'),
        eb
          .selectFrom('payments')
          .select((r) => r.fn.countAll<number>().as('n'))
          .where('status', '=', 'captured')
          .as('payments'),
      ])
      .executeTakeFirstOrThrow()
    const stock = await h.db
      .selectFrom('inventory')
      .select(['on_hand', 'reserved'])
      .where('sku', '=', 'BURST')
      .executeTakeFirstOrThrow()

    // memory: the last samples against those taken once the workers had warmed up (a quarter in)
    const warm = rss.find((s) => s.done >= ORDERS / 4) ?? rss[0]!
    const last = rss[rss.length - 1]!
    const report = {
      orders: ORDERS,
      workers: WORKERS,
      intakeSeconds: +(intakeMs / 1000).toFixed(1),
      intakePerSecond: Math.round(ORDERS / (intakeMs / 1000)),
      allCompletedSeconds: +(totalMs / 1000).toFixed(1),
      completedPerSecond: Math.round(ORDERS / (totalMs / 1000)),
      intakeRetries: failures,
      workerRssMb: {
        warm: warm.mb,
        end: last.mb,
        max: workers.map((_, i) => Math.max(...rss.map((s) => s.mb[i] ?? 0))),
      },
      doctor: violations.map((v) => `${v.severity} ${v.check} ${v.count}`),
    }
    console.log(`SOAK burst ${JSON.stringify(report)}`)
    for (const v of violations.filter((x) => x.check === 'payment-captured-once').slice(0, 2)) {
      for (const row of v.rows.slice(0, 2)) {
        const steps = await h.db
          .selectFrom('steps')
          .innerJoin('runs', 'runs.id', 'steps.run_id')
          .select(['steps.id', 'steps.node_id', 'steps.visit', 'steps.status', 'steps.created_at'])
          .where('runs.order_id', '=', row.order_id as number)
          .orderBy('steps.id')
          .execute()
        console.log(`SOAK duplicate ${JSON.stringify(steps)}`)
      }
    }

    expect(violations.filter((v) => v.severity === 'error')).toEqual([])
    expect(counts).toMatchObject({ orders: ORDERS, runs: ORDERS, emails: ORDERS, payments: ORDERS })
    expect(stock).toEqual({ on_hand: ORDERS * 2, reserved: ORDERS })
    for (let i = 0; i < WORKERS; i++)
      expect(last.mb[i]!, `worker ${i} RSS`).toBeLessThan(warm.mb[i]! * 1.5 + 50)
  })
})
