import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, sampleOrder } from '../../test/harness.ts'
import { receiveOrder } from './intake.ts'
import { IntakeBatcher } from './intake-batcher.ts'
import { type OrderInput, orderInputSchema } from './order-model.ts'

let h: Harness
const input = (o: Record<string, unknown> = {}): OrderInput => orderInputSchema.parse(sampleOrder(o))

/** Everything intake wrote for an order, without ids that differ between two orders. */
async function written(orderId: number) {
  const order = await sql<
    Record<string, unknown>
  >`select o.currency, o.status, o.shipping_address, o.billing_address,
    o.shipping_method, o.payment_method, o.payment, o.subtotal, o.shipping_total, o.tax_total, o.total, o.tags,
    o.placed_at, o.attributes, c.email, c.name
    from orders o join customers c on c.id = o.customer_id where o.id = ${orderId}`.execute(h.db)
  const lines =
    await sql`select line_no, sku, name, quantity, unit_price from order_lines where order_id = ${orderId} order by line_no`.execute(
      h.db,
    )
  const run = await sql<
    Record<string, unknown>
  >`select r.flow_id, r.flow_version, r.status, s.node_id, s.node_type, s.status as step_status,
    s.visit, t.identifier as task_identifier, j.key = 'step:' || s.id as keyed, (j.payload ->> 'stepId')::bigint = s.id as payload_ok, j.priority
    from runs r join steps s on s.run_id = r.id
    join graphile_worker._private_jobs j on j.key = 'step:' || s.id
    join graphile_worker._private_tasks t on t.id = j.task_id
    where r.order_id = ${orderId}`.execute(h.db)
  const facts = await sql`select state from order_kpi_facts where order_id = ${orderId}`.execute(h.db)
  return { order: order.rows[0], lines: lines.rows, run: run.rows, facts: facts.rows }
}

beforeAll(async () => {
  h = await createHarness()
  await h.api('POST', '/api/flows', { id: 'draft-only', name: 'Draft only' })
})
afterAll(async () => h?.close())

describe('intake batcher', () => {
  it('takes concurrent orders in with one statement, each with its own answer, as one by one would', async () => {
    const batcher = new IntakeBatcher(h.db, { maxInFlight: 1 })
    const existing = await receiveOrder(h.db, input({ externalId: 'B-existing' }))
    const email = `grace-${Date.now()}@example.com`
    const fresh = Array.from({ length: 12 }, (_, i) =>
      input({
        externalId: `B-${i}`,
        customer: {
          email: i === 3 ? email.toUpperCase() : email,
          name: i === 5 ? 'Grace Hopper' : i === 9 ? '' : `Grace ${i}`,
        },
        lines: [
          { sku: 'MUG-01', quantity: 1 + i, unitPrice: '12.50' },
          { sku: 'TEE-M', name: 'T-shirt', quantity: 2, unitPrice: '19.99' },
        ],
        tags: i === 0 ? ['vip', 'gift'] : [],
        placedAt: i === 1 ? '2026-01-02T03:04:05.000Z' : undefined,
        payment: i === 2 ? { card: '4000000000000002' } : {},
      }),
    )
    const calls = [
      input({ externalId: 'B-first' }), // goes alone; the rest wait for it and go together
      ...fresh,
      input({ externalId: 'B-existing' }),
      input({ externalId: 'B-twice' }),
      input({ externalId: 'B-twice' }),
      input({ externalId: 'B-nope', flowId: 'nope' }),
      input({ externalId: 'B-draft', flowId: 'draft-only' }),
    ]
    const results = await Promise.allSettled(calls.map((c) => batcher.receive(c)))
    const ok = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined))
    expect(ok.slice(0, 13).every((r) => r?.created === true)).toBe(true)
    expect(ok[13]).toEqual({ id: existing.id, created: false, status: 'received' })
    expect([ok[14]?.created, ok[15]?.created]).toEqual([true, false])
    expect(ok[15]!.id).toBe(ok[14]!.id)
    const errors = results
      .slice(16)
      .map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : r.status))
    expect(errors).toEqual(['unknown_flow', 'flow_not_published'])
    // group commit: the twelve fresh orders came in with one statement (one transaction id)
    const ids = fresh.map((_, i) => ok[1 + i]!.id)
    const xids = await sql<{
      n: number
    }>`select count(distinct xmin::text)::int as n from orders where id = any(${ids}::bigint[])`.execute(h.db)
    expect(xids.rows[0]!.n).toBe(1)
    // the last non-empty name, as twelve single requests in that order would leave it
    expect((await written(ids[0]!)).order).toMatchObject({ email, name: 'Grace 11' })
    // each order exactly as receiveOrder writes it
    for (const [i, f] of fresh.entries()) {
      const single = await receiveOrder(h.db, { ...f, externalId: `S-${i}` })
      const [a, b] = [await written(ids[i]!), await written(single.id)]
      if (f.placedAt === undefined) {
        expect(Math.abs((a.order!.placed_at as Date).getTime() - Date.now())).toBeLessThan(60_000)
        a.order!.placed_at = b.order!.placed_at = null
      }
      a.order!.name = b.order!.name = null // the customer is shared, renamed by the later requests
      expect(a).toEqual(b)
      expect(a.lines).toHaveLength(2)
      expect(a.run).toMatchObject([
        {
          status: 'running',
          step_status: 'pending',
          task_identifier: 'run_step',
          keyed: true,
          payload_ok: true,
        },
      ])
    }
    // nothing kept of the refused ones
    expect(
      await h.db
        .selectFrom('orders')
        .select('id')
        .where('external_id', 'in', ['B-nope', 'B-draft'])
        .execute(),
    ).toEqual([])
  })

  it('retries a batch that fails in the database one order at a time: only the bad order fails', async () => {
    const batcher = new IntakeBatcher(h.db, { maxInFlight: 1 })
    await sql`alter table orders add constraint test_no_bad check (external_id not like 'BAD%')`.execute(h.db)
    try {
      const calls = ['F-first', 'F-1', 'BAD-1', 'F-2', 'F-3'].map((externalId) =>
        input({
          externalId,
          customer: { email: `${externalId.toLowerCase()}@example.com`, name: externalId },
        }),
      )
      const results = await Promise.allSettled(calls.map((c) => batcher.receive(c)))
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ])
      expect(String((results[2] as PromiseRejectedResult).reason)).toContain('test_no_bad')
      const kept = await h.db
        .selectFrom('orders')
        .select('external_id')
        .where('external_id', 'in', ['F-1', 'BAD-1', 'F-2', 'F-3'])
        .execute()
      expect(kept.map((o) => o.external_id).sort()).toEqual(['F-1', 'F-2', 'F-3'])
      expect(
        await h.db.selectFrom('customers').select('id').where('email', '=', 'bad-1@example.com').execute(),
      ).toEqual([])
    } finally {
      await sql`alter table orders drop constraint test_no_bad`.execute(h.db)
    }
  })

  it('takes a lone request in by itself, through the one-order statement', async () => {
    const batcher = new IntakeBatcher(h.db)
    const r = await batcher.receive(input({ externalId: 'L-1' }))
    expect(r).toMatchObject({ created: true, status: 'received' })
    expect(await written(r.id)).toMatchObject({ run: [{ status: 'running' }], facts: [{ state: 'open' }] })
  })


  it('answers a batch of refused orders with their errors and adds no job', async () => {
    const jobs = async () => (await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs`.execute(h.db)).rows[0]!.n
    const batcher = new IntakeBatcher(h.db, { maxInFlight: 1 })
    const before = await jobs()
    const first = batcher.receive(input({ externalId: 'R-first' }))
    const refused = await Promise.allSettled(['R-1', 'R-2', 'R-3'].map((externalId) => batcher.receive(input({ externalId, flowId: 'nope' }))))
    await first
    expect(refused.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : r.status))).toEqual([
      'unknown_flow',
      'unknown_flow',
      'unknown_flow',
    ])
    expect(await jobs()).toBe(before + 1) // R-first's only
  })
})
