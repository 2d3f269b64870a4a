import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, sampleOrder } from '../../test/harness.ts'
import { createTestDb } from '../../test/test-db.ts'
import { loadConfig } from '../config.ts'
import { simulateCommand } from './cli-command.ts'
import type { Graph } from '../graph.ts'
import { defaultFlowGraph } from '../seed/default-flow.ts'
import { orderStream } from './order-stream.ts'
import { CATALOGUE } from '../seed/catalogue.ts'
import { SCRATCH_PREFIX } from './scratch-db.ts'
import { simulate, summary } from './simulate.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(async () => h?.close())

/** Row counts of everything a simulation could write to if it were not kept apart. */
async function footprint() {
  const { rows } = await sql<Record<string, number>>`select
    (select count(*)::int from orders) as orders, (select count(*)::int from runs) as runs,
    (select count(*)::int from steps) as steps, (select count(*)::int from emails) as emails,
    (select count(*)::int from payments) as payments, (select count(*)::int from shipments) as shipments,
    (select coalesce(sum(on_hand + reserved), 0)::int from inventory) as stock,
    (select count(*)::int from graphile_worker.jobs) as jobs`.execute(h.db)
  return rows[0]
}

const scratchDbs = async () =>
  (
    await sql<{
      n: number
    }>`select count(*)::int as n from pg_database where datname like ${`${SCRATCH_PREFIX}${process.pid}_%`}`.execute(
      h.db,
    )
  ).rows[0]!.n

/** The default process without follow-up and return window: runs end at delivery. */
function shortProcess(extraRule?: unknown): Graph {
  const g = defaultFlowGraph()
  const nodes = g.nodes.filter((n) => n.id !== 'follow-up' && n.id !== 'return')
  const edges = g.edges.filter(
    (e) => !['follow-up', 'return'].includes(e.source) && !['follow-up', 'return'].includes(e.target),
  )
  edges.push(
    { id: 'delivered-end', source: 'delivery', sourceHandle: 'delivered', target: 'end' },
    { id: 'late-end', source: 'delivery', sourceHandle: 'late', target: 'end' },
  )
  for (const n of nodes) {
    if (n.id === 'pick') n.config = { strategy: 'single', autoConfirm: true }
    if (n.id === 'rules' && extraRule) n.config = { rules: [...(n.config.rules as unknown[]), extraRule] }
  }
  return { nodes, edges }
}

describe('order stream', () => {
  it('is the same for the same seed and different for another', () => {
    const a = orderStream(CATALOGUE, { seed: 3, orders: 50, start: new Date('2030-01-01T00:00:00Z') })
    const b = orderStream(CATALOGUE, { seed: 3, orders: 50, start: new Date('2030-01-01T00:00:00Z') })
    const c = orderStream(CATALOGUE, { seed: 4, orders: 50, start: new Date('2030-01-01T00:00:00Z') })
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    expect(JSON.stringify(a.orders.map((o) => o.input.lines))).not.toBe(
      JSON.stringify(c.orders.map((o) => o.input.lines)),
    )
    const big = orderStream(CATALOGUE, { seed: 3, orders: 2000, start: new Date('2030-01-01T00:00:00Z') })
    const share = (f: (o: (typeof big.orders)[number]) => boolean) =>
      big.orders.filter(f).length / big.orders.length
    expect(share((o) => o.input.shippingMethod === 'express')).toBeCloseTo(0.15, 1)
    expect(share((o) => o.input.lines.some((l) => big.outOfStock.includes(l.sku)))).toBeCloseTo(0.08, 1)
    expect(share((o) => o.fate.returns !== null)).toBeCloseTo(0.12, 1)
  })
})

describe('simulation', () => {
  it('runs 500 orders through the default flow, reports metrics and KPIs, and leaves real orders untouched', async () => {
    for (let i = 0; i < 3; i++) expect((await h.api('POST', '/api/orders', sampleOrder())).status).toBe(201)
    const before = await footprint()
    const [r] = await simulate(h.db, h.url, { orders: 500, seed: 11, days: 1, tickMs: 6 * 3_600_000 })
    expect(r!.orders).toBe(500)
    expect(Object.values(r!.runs).reduce((a, b) => a + b, 0)).toBe(500)
    const receive = r!.metrics.nodes.find((n) => n.nodeId === 'receive')!
    expect(receive.entered).toBe(500)
    expect(r!.metrics.nodes.find((n) => n.nodeId === 'ship')!.entered).toBeGreaterThan(400)
    expect(r!.kpis.ordersPlaced).toBe(500)
    expect(r!.kpis.paymentFailureRate.rate).toBeGreaterThan(0.02)
    expect(r!.kpis.leadTime.p50Ms).toBeGreaterThan(86_400_000)
    expect(r!.kpis.returnRate.byReason.length).toBeGreaterThan(0)
    const text = summary([r!])
    expect(text).toMatch(/^receive\s+receive\s+500\s+500/m)
    expect(text).toContain('rate of return (units)')
    expect(text).toContain('payment failure rate')
    expect(await footprint()).toEqual(before)
    expect(await scratchDbs()).toBe(0)
  }, 120_000)

  it('shows the KPI change one rule makes, on the same seeded orders', async () => {
    const expressOver50 = {
      name: 'Orders of 50 or more ship express',
      conditions: { all: [{ fact: 'order', path: 'total', operator: 'greaterThanInclusive', value: 50 }] },
      event: { type: 'set', params: { express: true, carrierService: 'express' } },
    }
    await h.api('POST', '/api/flows', { id: 'compare', name: 'compare', graph: shortProcess() })
    expect((await h.api('POST', '/api/flows/compare/publish', {})).status).toBe(201)
    expect((await h.api('PUT', '/api/flows/compare', { graph: shortProcess(expressOver50) })).status).toBe(
      200,
    )
    expect((await h.api('POST', '/api/flows/compare/publish', {})).status).toBe(201)
    const [a, b] = await simulate(h.db, h.url, {
      flow: 'compare',
      compare: ['1', '2'],
      orders: 100,
      seed: 5,
      days: 1,
      tickMs: 6 * 3_600_000,
    })
    expect(a!.flow.version).toBe(1)
    expect(b!.flow.version).toBe(2)
    expect(a!.kpis.ordersPlaced).toBe(b!.kpis.ordersPlaced)
    // express delivers in a day instead of two or three: the rule must shorten the lead time
    expect(b!.kpis.leadTime.meanMs!).toBeLessThan(a!.kpis.leadTime.meanMs! - 0.25 * 86_400_000)
    // and it changes nothing before shipping
    expect(b!.kpis.paymentFailureRate).toEqual(a!.kpis.paymentFailureRate)
    const text = summary([a!, b!])
    expect(text).toMatch(/lead time mean\s+\S+ d\s+\S+ d\s+−/)
  }, 120_000)

  it('`orderflow simulate` on a database nobody started orderflow on: seeds the default flow, adds no orders', async () => {
    const fresh = await createTestDb()
    const out: string[] = []
    const write = process.stdout.write
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write
    try {
      const config = { ...loadConfig({}), databaseUrl: fresh.url }
      await simulateCommand(config, ['--orders', '12', '--days', '1', '--tick-minutes', '360'])
    } finally {
      process.stdout.write = write
    }
    try {
      expect(out.join('')).toMatch(/^receive\s+receive\s+12\s+12/m)
      expect(out.join('')).toContain('rate of return (units)')
      const flows = await fresh.db.selectFrom('flows').select(['id', 'is_default']).execute()
      expect(flows).toEqual([expect.objectContaining({ is_default: true })])
      const orders = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(fresh.db)
      expect(orders.rows[0]!.n).toBe(0)
    } finally {
      await fresh.close()
    }
  }, 120_000)
})
