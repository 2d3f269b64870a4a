import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, eventually, type Harness } from '../../test/harness.ts'
import { runDoctor } from '../doctor.ts'
import { addProducts } from '../warehouse/testing.ts'
import { claimIdle, currentSnapshot, fillClaimed, rollupKpiFacts } from './kpi-rollup.ts'
import { kpis } from './kpis.ts'

const PLACED = new Date('2025-05-01T10:00:00Z')
const HOUR = 3_600_000
const ALL = { from: new Date('2025-05-01T00:00:00Z'), to: new Date('2025-05-02T00:00:00Z') }

let h: Harness
let seq = 0

/** An order of `units` units of A with a captured payment and a delivered shipment; its run in `status`. */
async function order(status: 'completed' | 'waiting' | 'running', units = 2): Promise<number> {
  const n = ++seq
  const { id } = await h.db
    .insertInto('orders')
    .values({
      channel: 'web',
      external_id: `r-${n}`,
      customer_id: sql<number>`(select id from customers limit 1)`,
      currency: 'EUR',
      shipping_address: '{}',
      shipping_method: 'standard',
      payment_method: 'card',
      subtotal: '10',
      shipping_total: '0',
      tax_total: '0',
      total: '10',
      placed_at: PLACED,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await h.db.insertInto('runs').values({ order_id: id, flow_id: 'k', flow_version: 1, status }).execute()
  await h.db
    .insertInto('order_lines')
    .values({ order_id: id, line_no: 1, sku: 'A', quantity: units, unit_price: '5' })
    .execute()
  await h.db
    .insertInto('payments')
    .values({
      order_id: id,
      idempotency_key: `p-${n}`,
      provider: 'sim',
      method: 'card',
      amount: '10',
      currency: 'EUR',
      status: 'captured',
      captured_at: PLACED,
    })
    .execute()
  await h.db
    .insertInto('shipments')
    .values({
      order_id: id,
      idempotency_key: `s-${n}`,
      carrier: 'SimPost',
      service: 'standard',
      tracking_number: `T${n}`,
      tracking_url: 'https://t',
      label_svg: '<svg/>',
      parcels: '[]',
      status: 'delivered',
      booked_at: new Date(PLACED.getTime() + HOUR),
      delivered_at: new Date(PLACED.getTime() + 24 * HOUR),
    })
    .execute()
  return id
}

const noted = async (id: number) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from order_kpi_dirty where order_id = ${id}`.execute(
      h.db,
    )
  ).rows[0]!.n

const row = async (id: number) =>
  (await sql<Record<string, unknown>>`select * from order_kpi_facts where order_id = ${id}`.execute(h.db))
    .rows[0]!

const addReturn = (db: { query: (q: string, v: unknown[]) => Promise<unknown> }, id: number) =>
  db.query(
    `insert into returns (order_id, lines, reason, status) values ($1, '[{"sku": "A", "quantity": 1}]', 'damaged', 'received')`,
    [id],
  )

/** A second connection, for a transaction left open while the rollup runs. */
async function otherConnection() {
  const c = new pg.Client({ connectionString: h.url })
  await c.connect()
  return c
}

beforeAll(async () => {
  h = await createHarness({ seed: false })
  const graph = JSON.stringify({ nodes: [], edges: [] })
  await h.db.insertInto('flows').values({ id: 'k', name: 'k', draft: graph, active_version: 1 }).execute()
  await h.db
    .insertInto('flow_versions')
    .values({ flow_id: 'k', version: 1, graph, published_by: 't' })
    .execute()
  await h.db.insertInto('customers').values({ email: 'c@example.com' }).execute()
  await addProducts(h.db, [{ sku: 'A' }])
})
afterAll(async () => h?.close())

describe('rollup_kpis', () => {
  it('fills in the facts of finished and waiting orders, leaves running ones open, and KPIs read the filled rows', async () => {
    const done = await order('completed', 3)
    const waiting = await order('waiting', 4)
    const running = await order('running')
    expect(await rollupKpiFacts(h.db)).toEqual({ reopened: 0, claimed: 2, filled: 2, waited: true })
    expect(await row(waiting)).toMatchObject({ state: 'filled', units: 4 })
    expect(await row(done)).toMatchObject({
      state: 'filled',
      claim_xid: null,
      units: 3,
      shipped: true,
      returned: null,
      picked: false,
      pick_error: false,
      delivered_at: new Date(PLACED.getTime() + 24 * HOUR),
      stock_checked: false,
      payment_attempted: true,
      payment_failed: false,
      first_booked_at: new Date(PLACED.getTime() + HOUR),
      first_service: 'standard',
    })
    expect(await row(running)).toMatchObject({ state: 'open', units: null })
    expect((await kpis(h.db, ALL)).returnRate.unitsSold).toBe(9)
    // the filled row is what the query reads: a value put there directly shows
    await sql`update order_kpi_facts set units = 30 where order_id = ${done}`.execute(h.db)
    expect((await kpis(h.db, ALL)).returnRate.unitsSold).toBe(36)
    await sql`update order_kpi_facts set units = 3 where order_id = ${done}`.execute(h.db)
    await h.db.updateTable('runs').set({ status: 'completed' }).where('order_id', '=', running).execute()
    expect(await rollupKpiFacts(h.db)).toEqual({ reopened: 0, claimed: 1, filled: 1, waited: true })
  })

  it('notes a filled order on any write to the tables its facts are made of, computes it live, and fills it again', async () => {
    const id = await order('completed')
    await rollupKpiFacts(h.db)
    const before = await kpis(h.db, ALL)
    const writes = [
      () => addReturn(h.pool, id),
      () =>
        h.pool.query(`update shipments set delivered_at = null, status = 'in_transit' where order_id = $1`, [
          id,
        ]),
      () => h.pool.query(`update payments set status = 'failed' where order_id = $1`, [id]),
      () => h.pool.query(`delete from payments where order_id = $1`, [id]),
      () =>
        h.pool.query(`insert into backorders (order_id, sku, quantity, status) values ($1, 'A', 1, 'open')`, [
          id,
        ]),
      () => h.pool.query(`update order_lines set quantity = 5 where order_id = $1`, [id]),
    ]
    for (const write of writes) {
      await write()
      expect(await noted(id)).toBeGreaterThan(0)
      expect(await rollupKpiFacts(h.db)).toMatchObject({ reopened: 1, claimed: 1, filled: 1 })
      expect([(await row(id)).state, await noted(id)]).toEqual(['filled', 0])
    }
    // noted, the order is computed by the query at once, before any rollup
    await addReturn(h.pool, id)
    expect((await kpis(h.db, ALL)).returnRate.unitsReturned).toBe(before.returnRate.unitsReturned + 2)
    await rollupKpiFacts(h.db)
    expect(await row(id)).toMatchObject({
      units: 5,
      returned: { damaged: 2 },
      delivered_at: null,
      payment_attempted: false,
      stock_checked: true,
      backordered: true,
    })
    const after = await kpis(h.db, ALL)
    expect(after.returnRate.unitsReturned).toBe(before.returnRate.unitsReturned + 2)
    // every filled row holds what the order tables say (the doctor's check, run on real fills)
    const doctor = await runDoctor(h.db, { settleSeconds: 0 })
    expect(doctor.filter((v) => v.check.startsWith('kpi-'))).toEqual([])
    expect(after.leadTime.deliveredOrders).toBe(before.leadTime.deliveredOrders - 1)
    // moving the order out of the window moves its facts row with it
    await h.db
      .updateTable('orders')
      .set({ placed_at: new Date('2024-01-01T00:00:00Z') })
      .where('id', '=', id)
      .execute()
    expect((await kpis(h.db, ALL)).ordersPlaced).toBe(before.ordersPlaced - 1)
    expect(await row(id)).toMatchObject({ state: 'filled', placed_at: new Date('2024-01-01T00:00:00Z') })
  })

  it('does not fill an order while a transaction that wrote to it unseen before the claim is open', async () => {
    const id = await order('completed')
    const w = await otherConnection()
    try {
      await w.query('begin')
      await addReturn(w, id) // the row is open: the trigger leaves it alone
      // the claim commits; the writer is still running, so the facts cannot be read yet
      expect(await rollupKpiFacts(h.db, { waitMs: 300 })).toEqual({
        reopened: 0,
        claimed: 1,
        filled: 0,
        waited: false,
      })
      expect(await row(id)).toMatchObject({ state: 'claimed', returned: null })
      await w.query('commit')
    } finally {
      await w.end()
    }
    // claimed rows are computed by the query in the meantime, so the KPI already counts the return
    const k = await kpis(h.db, ALL)
    expect(k.returnRate.byReason.find((r) => r.reason === 'damaged')?.units).toBeGreaterThanOrEqual(1)
    expect(await rollupKpiFacts(h.db)).toMatchObject({ filled: 1, waited: true })
    expect(await row(id)).toMatchObject({ state: 'filled', returned: { damaged: 1 } })
  })

  it('a write after the claim is noted: the fill goes on without waiting, and the order is computed live until refilled', async () => {
    const id = await order('completed')
    expect(await claimIdle(h.db)).toBe(1)
    const snapshot = await currentSnapshot(h.db)
    const w = await otherConnection()
    try {
      await w.query('begin')
      await addReturn(w, id) // sees the row claimed: notes the order, locks nothing
      expect(await fillClaimed(h.db, snapshot, 100)).toEqual({ picked: 1, filled: 1 })
      expect(await row(id)).toMatchObject({ state: 'filled', returned: null })
      await w.query('commit')
    } finally {
      await w.end()
    }
    expect(await noted(id)).toBe(1)
    const k = await kpis(h.db, ALL)
    expect(k.returnRate.byReason.find((r) => r.reason === 'damaged')?.units).toBeGreaterThanOrEqual(1)
    expect(await rollupKpiFacts(h.db)).toMatchObject({ reopened: 1, claimed: 1, filled: 1 })
    expect(await row(id)).toMatchObject({ state: 'filled', returned: { damaged: 1 } })
  })

  it('never makes writers wait on each other: two transactions writing to the same filled orders in opposite order both commit', async () => {
    const [a, b] = [await order('completed'), await order('completed')]
    await rollupKpiFacts(h.db)
    const [t1, t2] = [await otherConnection(), await otherConnection()]
    try {
      await t1.query("begin; set local lock_timeout = '2s'")
      await t2.query("begin; set local lock_timeout = '2s'")
      await addReturn(t1, a)
      await addReturn(t2, b)
      // with a lock on each order's facts row, each of these would wait for the other
      await Promise.all([addReturn(t1, b), addReturn(t2, a)])
      await Promise.all([t1.query('commit'), t2.query('commit')])
    } finally {
      await Promise.all([t1.end(), t2.end()])
    }
    expect([await noted(a), await noted(b)]).toEqual([2, 2])
    expect(await rollupKpiFacts(h.db)).toMatchObject({ reopened: 2, filled: 2 })
    expect(await row(a)).toMatchObject({ state: 'filled', returned: { damaged: 2 } })
  })

  it("runs as the worker's rollup_kpis job", async () => {
    const id = await order('completed')
    await h.worker() // stopped by h.close()
    await sql`select graphile_worker.add_job('rollup_kpis', job_key := 'rollup_kpis')`.execute(h.db)
    await eventually(
      async () => (await row(id)).state === 'filled',
      10_000,
      'the rollup_kpis job to fill the order',
    )
  })
})
