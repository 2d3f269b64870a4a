import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDoctor } from '../../engine/doctor.ts'
import { addProducts } from '../../engine/warehouse/testing.ts'
import { orderFlow, registerOrderNodes } from '../fixtures/order-nodes.ts'
import { killAllWorkers, spawnWorker, type WorkerProc } from '../fixtures/spawn-worker.ts'
import { createHarness, type Harness, sampleOrder } from '../harness.ts'

/**
 * Three worker processes; one of them is SIGKILLed again and again while orders flow. Every
 * order completes exactly once, and the jobs a dead worker held are released within
 * ORDERFLOW_DEAD_WORKER_AFTER plus one heartbeat interval of a survivor. Figures are printed.
 */
const ORDERS = Number(process.env.SOAK_KILL_ORDERS ?? 600)
const KILLS = 6
const DEAD_AFTER = 2

let h: Harness
const workers: WorkerProc[] = []

beforeAll(async () => {
  registerOrderNodes()
  h = await createHarness()
  await addProducts(h.db, [{ sku: 'KILL', onHand: ORDERS * 2 }])
  await h.api('POST', '/api/flows', { id: 'kill', name: 'Kill', graph: orderFlow })
  expect((await h.api('POST', '/api/flows/kill/publish', {})).status).toBe(201)
})
afterAll(async () => {
  for (const w of workers) await w.stop()
  killAllWorkers()
  await h?.close()
})

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

describe('workers killed repeatedly', () => {
  it(`${ORDERS} orders, ${KILLS} SIGKILLs of one worker among three: all complete once; locks released in bounded time`, async () => {
    const env = { DEAD_AFTER: String(DEAD_AFTER), CONCURRENCY: '3' }
    for (let i = 0; i < 3; i++) workers.push(spawnWorker(h.url, env))
    await Promise.all(workers.map((w) => w.ready))
    const started = Date.now()
    // orders keep arriving while the kills happen
    const intake = (async () => {
      for (let i = 0; i < ORDERS; i++) {
        const res = await h.api(
          'POST',
          '/api/orders',
          sampleOrder({
            externalId: `KILL-${i}`,
            flowId: 'kill',
            lines: [{ sku: 'KILL', quantity: 1, unitPrice: '10.00' }],
            totals: { subtotal: '10.00', shipping: '0.00', tax: '0.00', total: '10.00' },
          }),
        )
        expect(res.status).toBe(201)
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 200))
      }
    })()

    const releases: number[] = []
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 1500))
      const victim = workers[0]!
      const row = await h.db
        .selectFrom('worker_processes')
        .select('graphile_worker_ids')
        .where('pid', '=', victim.child.pid!)
        .executeTakeFirst()
      const ids = row?.graphile_worker_ids ?? []
      const lockedCount = async () =>
        (
          await sql<{
            n: number
          }>`select count(*)::int as n from graphile_worker._private_jobs where locked_by = any(${ids}::text[])`.execute(
            h.db,
          )
        ).rows[0]!.n
      // kill it while it holds jobs, so that there is something to release
      for (let i = 0; i < 150 && (await lockedCount()) === 0; i++) await new Promise((r) => setTimeout(r, 20))
      const held = await lockedCount()
      victim.child.kill('SIGKILL')
      const killedAt = Date.now()
      await victim.exit
      // how long until nothing is locked by the dead process any more
      while ((await lockedCount()) > 0) await new Promise((r) => setTimeout(r, 100))
      if (held > 0) releases.push(Date.now() - killedAt)
      workers[0] = spawnWorker(h.url, env)
      await workers[0].ready
    }
    await intake
    const deadline = Date.now() + 5 * 60_000
    while ((await completed()) < ORDERS) {
      if (Date.now() > deadline) throw new Error(`only ${await completed()} of ${ORDERS} completed`)
      await new Promise((r) => setTimeout(r, 500))
    }
    const violations = await runDoctor(h.db, { settleSeconds: 0 })
    const report = {
      orders: ORDERS,
      kills: KILLS,
      deadAfterSeconds: DEAD_AFTER,
      lockReleaseMs: releases,
      maxLockReleaseMs: Math.max(...releases),
      allCompletedSeconds: +((Date.now() - started) / 1000).toFixed(1),
      doctor: violations.map((v) => `${v.severity} ${v.check} ${v.count}`),
    }
    console.log(`SOAK kill-workers ${JSON.stringify(report)}`)
    expect(violations.filter((v) => v.severity === 'error')).toEqual([])
    const dupes = await sql<{
      n: number
    }>`select count(*)::int as n from (select run_id, node_id from steps group by run_id, node_id having count(*) > 1) d`.execute(
      h.db,
    )
    expect(dupes.rows[0]!.n).toBe(0) // no step ran twice
    // DEAD_AFTER, plus a survivor's heartbeat interval (max(1 s, DEAD_AFTER / 3)), plus slack for a loaded machine
    expect(releases.length).toBeGreaterThan(0)
    expect(Math.max(...releases)).toBeLessThan((DEAD_AFTER + 1) * 1000 + 3000)
  })
})
