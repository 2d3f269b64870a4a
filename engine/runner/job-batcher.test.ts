import { sql } from 'kysely'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, sampleOrder } from '../../test/harness.ts'
import { TEST_CARDS } from '../adapters/index.ts'
import { openPool } from '../db.ts'
import { adjustStock } from '../warehouse/adjust-stock.ts'
import { reserveStock } from '../warehouse/reserve-stock.ts'
import { BatchConflict, batchLocks, transactionLock } from './batch-locks.ts'
import { postEvent } from './events.ts'
import { executeStepJob } from './execute-step.ts'
import { JobBatcher } from './job-batcher.ts'
import { Pipeline } from './pipeline.ts'

let h: Harness
let pipelinePool: pg.Pool

beforeAll(async () => {
  h = await createHarness()
  pipelinePool = openPool(h.url, { max: 1, pipeline: true })
})
afterAll(async () => {
  await pipelinePool?.end()
  await h?.close()
})

/** Orders through the seeded default flow, placed with no worker running: their first steps wait. */
async function place(count: number, overrides: Record<string, unknown> = {}) {
  const ids: number[] = []
  for (let i = 0; i < count; i++) {
    const sku = ['A-NOTE-01', 'A-PEN-01', 'B-MUG-01'][i % 3]!
    const res = await h.api(
      'POST',
      '/api/orders',
      sampleOrder({
        lines: [{ sku, quantity: 1, unitPrice: '10.00' }],
        totals: { subtotal: '10.00', shipping: '0.00', tax: '0.00', total: '10.00' },
        ...overrides,
      }),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    ids.push(res.body.id)
  }
  return ids
}

async function pendingStep(orderId: number): Promise<number> {
  const row = await h.db
    .selectFrom('steps')
    .innerJoin('runs', 'runs.id', 'steps.run_id')
    .select('steps.id')
    .where('runs.order_id', '=', orderId)
    .where('steps.status', '=', 'pending')
    .executeTakeFirstOrThrow()
  return row.id
}

/** What a job chain left behind for an order, without ids and times. */
async function outcome(orderId: number) {
  const steps = await h.db
    .selectFrom('steps')
    .innerJoin('runs', 'runs.id', 'steps.run_id')
    .select(['steps.node_id', 'steps.status', 'steps.port', 'steps.attempt'])
    .where('runs.order_id', '=', orderId)
    .orderBy('steps.id')
    .execute()
  const count = async (table: 'payments' | 'reservations' | 'emails') =>
    Number(
      (
        await h.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('order_id', '=', orderId)
          .executeTakeFirstOrThrow()
      ).n,
    )
  const order = await h.db
    .selectFrom('orders')
    .select(['status'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow()
  return {
    steps,
    status: order.status,
    payments: await count('payments'),
    reservations: await count('reservations'),
    emails: await count('emails'),
  }
}

/**
 * `fn` inside one transaction on the pipelined client, as a batch runs jobs (each
 * `pipe.transaction()` stands for one job); commits or rolls back after it.
 */
async function inBatchTransaction<T>(end: 'commit' | 'rollback', fn: (pipe: Pipeline) => Promise<T>) {
  const client = await pipelinePool.connect()
  try {
    await client.query('begin')
    const pipe = new Pipeline(client)
    pipe.open()
    try {
      return { result: await fn(pipe), pipe }
    } finally {
      pipe.close()
      await client.query(end)
    }
  } finally {
    client.release()
  }
}

describe('job batcher', () => {
  it('runs many jobs in one transaction, pipelined, with the same result as each alone', async () => {
    const alone = await place(6)
    for (const id of alone) await executeStepJob(h.db, h.deps, await pendingStep(id), 'run')
    const together = await place(6)
    const batcher = new JobBatcher(h.db, h.deps, pipelinePool, { maxBatch: 6 })
    const steps = await Promise.all(together.map(pendingStep))
    await Promise.all(steps.map((id) => batcher.run(id, 'run')))

    expect(batcher.batches).toBe(1)
    expect(batcher.fallbacks).toBe(0)
    // statements of different chains shared writes (the default flow's batch pick list lets one
    // order at a time through its lock, so not all of them could)
    expect(batcher.statements).toBeGreaterThan(6 * 8)
    expect(batcher.writes).toBeLessThan(batcher.statements)
    for (let i = 0; i < 6; i++) {
      const a = await outcome(alone[i]!)
      expect(a.steps.length).toBeGreaterThan(3)
      expect(await outcome(together[i]!)).toEqual(a)
    }
  })

  it('orders of one batch join one batch pick list (the pick-list lock holds inside a batch)', async () => {
    await sql`update pick_lists set status = 'released', released_at = now() where status = 'open'`.execute(
      h.db,
    )
    const ids = await place(4)
    const batcher = new JobBatcher(h.db, h.deps, pipelinePool, { maxBatch: 4 })
    await Promise.all((await Promise.all(ids.map(pendingStep))).map((id) => batcher.run(id, 'run')))
    expect(batcher.batches).toBe(1)
    const lists = await h.db
      .selectFrom('pick_list_lines')
      .select('pick_list_id')
      .distinct()
      .where('order_id', 'in', ids)
      .execute()
    expect(lists).toHaveLength(1)
  })

  it('a step that throws rolls the batch back; its job runs alone, the others together again, nothing doubled', async () => {
    const ids = await place(3)
    // the simulated provider times out once for this card, then answers
    const [slow] = await place(1, { payment: { card: TEST_CARDS.timeout } })
    const all = [...ids, slow!]
    const batcher = new JobBatcher(h.db, h.deps, pipelinePool, { maxBatch: 4 })
    await Promise.all((await Promise.all(all.map(pendingStep))).map((id) => batcher.run(id, 'run')))
    expect(batcher.fallbacks).toBe(1)
    expect(String(batcher.lastFailure)).toMatch(/threw/)
    expect(batcher.batches).toBe(1) // the three others, committed together
    for (const id of ids) {
      const o = await outcome(id)
      expect(o.steps.find((s) => s.node_id === 'pay')).toMatchObject({
        status: 'completed',
        port: 'paid',
        attempt: 1,
      })
      expect(o.payments).toBe(1)
      expect(o.reservations).toBe(1)
    }
    // the order whose provider timed out went down the retry path, as a job run alone does
    const o = await outcome(slow!)
    expect(o.payments).toBeLessThanOrEqual(1)
    expect(o.steps.find((s) => s.node_id === 'pay')).toMatchObject({ attempt: 1 })
  })

  it('a second failure in what was left of a batch runs every job alone', async () => {
    // a provider that fails the first two captures of every "flaky" card
    const real = h.deps.services.payment
    const calls = new Map<string, number>()
    const flaky = {
      name: real.name,
      refund: real.refund.bind(real),
      async capture(req: Parameters<typeof real.capture>[0]) {
        const n = (calls.get(req.key) ?? 0) + 1
        calls.set(req.key, n)
        if (req.payment.card === 'flaky' && n <= 2) throw new Error('the provider is down')
        return real.capture(req)
      },
    }
    const deps = { ...h.deps, services: { ...h.deps.services, payment: flaky } }
    const ids = await place(2)
    const flakyIds = await place(2, { payment: { card: 'flaky' } })
    const batcher = new JobBatcher(h.db, deps, pipelinePool, { maxBatch: 4 })
    const steps = await Promise.all([...ids, ...flakyIds].map(pendingStep))
    await Promise.all(steps.map((id) => batcher.run(id, 'run')))
    // both flaky jobs failed in the batch; one ran alone, the other failed again among the rest
    expect({ fallbacks: batcher.fallbacks, batches: batcher.batches }).toEqual({ fallbacks: 2, batches: 0 })
    expect(String(batcher.lastFailure)).toMatch(/threw/)
    // every job ran three times (batch, what was left, alone; the flaky one taken out first:
    // batch, alone, alone again with savepoints) and every order was paid once
    expect([...calls.values()]).toEqual([3, 3, 3, 3])
    for (const id of [...ids, ...flakyIds]) {
      const o = await outcome(id)
      expect(o.payments).toBe(1)
      expect(o.steps.find((s) => s.node_id === 'pay')).toMatchObject({ status: 'completed', port: 'paid' })
    }
  })

  it('two jobs of one order in a batch: rolled back and run alone, the step runs once', async () => {
    const [id] = await place(1)
    const step = await pendingStep(id!)
    const batcher = new JobBatcher(h.db, h.deps, pipelinePool, { maxBatch: 4 })
    await Promise.all([batcher.run(step, 'run'), batcher.run(step, 'run')])
    expect(batcher.fallbacks).toBe(1)
    expect(String(batcher.lastFailure)).toContain('has two jobs in one batch')
    const o = await outcome(id!)
    expect(o.steps.filter((s) => s.node_id === 'pay')).toHaveLength(1)
    expect(o.payments).toBe(1)
  })

  it('a lone job runs at once, without the pipeline', async () => {
    const [id] = await place(1)
    const batcher = new JobBatcher(h.db, h.deps, pipelinePool, { maxBatch: 4 })
    await batcher.run(await pendingStep(id!), 'run')
    expect(batcher.batches + batcher.fallbacks).toBe(0)
    expect((await outcome(id!)).payments).toBe(1)
  })

  it('batch locks: a job waits for the job holding a key; a job holding one never waits', async () => {
    await inBatchTransaction('rollback', async (pipe) => {
      const locks = batchLocks()
      const [a, b, c] = [pipe.transaction(), pipe.transaction(), pipe.transaction()]
      for (const tx of [a, b, c]) locks.join(tx)
      await transactionLock(a, 'test:k1')
      await transactionLock(b, 'test:k2')
      await transactionLock(a, 'test:k1') // its own key again: at once
      await expect(transactionLock(a, 'test:k2')).rejects.toThrow(BatchConflict)
      let got = false
      const waiting = transactionLock(c, 'test:k1').then(() => (got = true))
      await new Promise((r) => setTimeout(r, 30))
      expect(got).toBe(false)
      locks.leave(a)
      await waiting
      expect(got).toBe(true)
    })
  })

  it('an event for an order another job of the batch is running is refused; after that job ends it goes in', async () => {
    const [x] = await place(1)
    await inBatchTransaction('rollback', async (pipe) => {
      const locks = batchLocks()
      const [a, b] = [pipe.transaction(), pipe.transaction()]
      locks.join(a)
      locks.join(b)
      locks.claimOrder(a, x!)
      expect(() => locks.claimOrder(b, x!)).toThrow(/two jobs in one batch/)
      await expect(postEvent(b, x!, 'restocked', {}, 'test')).rejects.toThrow(BatchConflict)
      expect((await postEvent(a, x!, 'restocked', {}, 'test')).id).toBeGreaterThan(0) // its own order
      locks.leave(a)
      expect((await postEvent(b, x!, 'restocked', {}, 'test')).id).toBeGreaterThan(0)
    })
  })

  it('statements issued in one turn of the event loop leave in one write, answered in order', async () => {
    const client = await pipelinePool.connect()
    try {
      const pipe = new Pipeline(client)
      pipe.open()
      const tx = pipe.transaction()
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sql<{ n: number }>`select ${i}::int as n`.execute(tx)),
      )
      pipe.close()
      expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect({ writes: pipe.writes, statements: pipe.statements }).toEqual({ writes: 1, statements: 20 })
      await expect(sql`select 1`.execute(tx)).rejects.toThrow(/pipeline is closed/)
    } finally {
      client.release()
    }
  })

  it('a statement issued while a large write is still leaving the socket is sent too (no hang)', async () => {
    // 32 MB does not fit the socket's kernel buffer: Node is still writing it when the next
    // turn's statement arrives, and that one must leave once the big write is done
    const big = 'x'.repeat(32 * 1024 * 1024)
    const { result } = await inBatchTransaction('rollback', async (pipe) => {
      const tx = pipe.transaction()
      const first = sql<{ n: number }>`select length(${big}) as n`.execute(tx)
      await new Promise((r) => setImmediate(r))
      await new Promise((r) => setImmediate(r))
      const second = sql<{ n: number }>`select 2 as n`.execute(tx)
      return Promise.all([first, second])
    })
    expect(result.map((r) => r.rows[0]!.n)).toEqual([big.length, 2])
  }, 20_000)

  it('a statement prepared again after a schema change still leaves the pipeline (no hang)', async () => {
    await sql`create table pipeline_probe (id int)`.execute(h.db)
    const probe = () =>
      inBatchTransaction('rollback', (pipe) =>
        sql`select * from pipeline_probe where id = ${1}`.execute(pipe.transaction()),
      )
    try {
      await probe() // prepared on the pipelined connection
      await sql`alter table pipeline_probe add column extra int`.execute(h.db)
      // the cached plan no longer fits: engine/db.ts prepares it again under a new name, which in
      // an open transaction fails too; the point is that the answer comes back at all
      await expect(probe()).rejects.toThrow(/aborted|cached plan/)
    } finally {
      await sql`drop table pipeline_probe`.execute(h.db)
    }
  })

  it('stock adjustments of jobs sharing a transaction both count (returns restocking one SKU)', async () => {
    await h.db
      .updateTable('inventory')
      .set({ on_hand: 10, reserved: 0 })
      .where('sku', '=', 'A-CARD-01')
      .execute()
    const { result } = await inBatchTransaction('commit', (pipe) =>
      Promise.all([
        adjustStock(pipe.transaction(), 'A-CARD-01', { delta: 1 }),
        adjustStock(pipe.transaction(), 'A-CARD-01', { delta: 2 }),
      ]),
    )
    expect(result.map((r) => r.after.onHand)).toEqual([11, 13])
    const row = await h.db
      .selectFrom('inventory')
      .select('on_hand')
      .where('sku', '=', 'A-CARD-01')
      .executeTakeFirst()
    expect(row?.on_hand).toBe(13)
  })

  it('partial reservations of jobs sharing a transaction never take more than is on the shelf', async () => {
    await h.db
      .updateTable('inventory')
      .set({ on_hand: 3, reserved: 0 })
      .where('sku', '=', 'A-TEA-01')
      .execute()
    const ids = await place(2)
    const { result, pipe } = await inBatchTransaction('commit', (pipe) =>
      Promise.all(
        ids.map((id) =>
          reserveStock(pipe.transaction(), id, [{ sku: 'A-TEA-01', quantity: 4 }], { partial: true }),
        ),
      ),
    )
    // both find too few for the whole quantity and go for what is there: one gets it all
    expect(result.map((r) => r.lines[0]!.reserved).sort()).toEqual([0, 3])
    expect(pipe.writes).toBeLessThan(pipe.statements)
    expect(
      await h.db
        .selectFrom('inventory')
        .select(['on_hand', 'reserved'])
        .where('sku', '=', 'A-TEA-01')
        .executeTakeFirst(),
    ).toEqual({ on_hand: 3, reserved: 3 })
    const rows = await h.db
      .selectFrom('reservations')
      .select('quantity')
      .where('order_id', 'in', ids)
      .execute()
    expect(rows.map((r) => r.quantity)).toEqual([3])
  })
})
