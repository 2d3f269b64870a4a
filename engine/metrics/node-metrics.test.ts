import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.ts'
import { flowMetrics } from './flow-metrics.ts'

const T0 = Date.parse('2025-01-01T00:00:00Z')
const at = (ms: number) => new Date(T0 + ms)
const n = (id: string, type: string) => ({ id, type, config: {}, position: { x: 0, y: 0 } })
const e = (source: string, sourceHandle: string, target: string) => ({
  id: `${source}-${sourceHandle}-${target}`,
  source,
  sourceHandle,
  target,
})

// v1: in → w; w --event/timeout--> end.  v2: the timeout goes to a mail node first.
const v1 = {
  nodes: [n('in', 'receive'), n('w', 'wait'), n('end', 'end')],
  edges: [e('in', 'next', 'w'), e('w', 'event', 'end'), e('w', 'timeout', 'end')],
}
const v2 = {
  nodes: [n('in', 'receive'), n('w', 'wait'), n('mail', 'send-email'), n('end', 'end')],
  edges: [e('in', 'next', 'w'), e('w', 'event', 'end'), e('w', 'timeout', 'mail'), e('mail', 'sent', 'end')],
}

type StepSpec = {
  node: string
  status: string
  start: number
  wait?: number
  finish?: number
  port?: string
  attempt?: number
}
let h: Harness

async function run(version: number, offset: number, steps: StepSpec[]) {
  const customer = await h.db
    .insertInto('customers')
    .values({ email: `m${offset}@example.com` })
    .onConflict((oc) => oc.column('email').doUpdateSet({ name: '' }))
    .returning('id')
    .executeTakeFirstOrThrow()
  const order = await sql<{
    id: number
  }>`insert into orders (channel, external_id, customer_id, currency, shipping_address, shipping_method, payment_method, subtotal, shipping_total, tax_total, total)
    values ('web', ${`m-${version}-${offset}`}, ${customer.id}, 'EUR', '{}', 'standard', 'card', 1, 0, 0, 1) returning id`.execute(
    h.db,
  )
  const r = await h.db
    .insertInto('runs')
    .values({ order_id: order.rows[0]!.id, flow_id: 'm', flow_version: version, status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const s of steps) {
    await h.db
      .insertInto('steps')
      .values({
        run_id: r.id,
        node_id: s.node,
        node_type: s.node === 'w' ? 'wait' : s.node,
        visit: 1,
        status: s.status as never,
        attempt: s.attempt ?? 1,
        port: s.port ?? null,
        created_at: at(offset + s.start),
        started_at: at(offset + s.start),
        waiting_since: s.wait === undefined ? null : at(offset + s.wait),
        finished_at: s.finish === undefined ? null : at(offset + s.finish),
      })
      .execute()
  }
}

const DAY = 86_400_000
beforeAll(async () => {
  h = await createHarness({ seed: false })
  await h.db
    .insertInto('flows')
    .values({ id: 'm', name: 'metrics', draft: JSON.stringify(v2), active_version: 2 })
    .execute()
  await h.db
    .insertInto('flow_versions')
    .values([
      { flow_id: 'm', version: 1, graph: JSON.stringify(v1), published_by: 't' },
      { flow_id: 'm', version: 2, graph: JSON.stringify(v2), published_by: 't' },
    ])
    .execute()
  // v1: four orders; the fourth a day later (outside the one-hour window used below)
  await run(1, 0, [
    { node: 'in', status: 'completed', start: 0, finish: 100, port: 'next' },
    { node: 'w', status: 'completed', start: 1000, wait: 1010, finish: 61_010, port: 'event' },
    { node: 'end', status: 'completed', start: 61_010, finish: 61_015 },
  ])
  await run(1, 1_000_000, [
    { node: 'in', status: 'completed', start: 0, finish: 200, port: 'next' },
    { node: 'w', status: 'completed', start: 1000, wait: 1020, finish: 121_020, port: 'timeout' },
    { node: 'end', status: 'completed', start: 121_020, finish: 121_025 },
  ])
  await run(1, 2_000_000, [
    { node: 'in', status: 'completed', start: 0, finish: 300, port: 'next' },
    { node: 'w', status: 'waiting', start: 1000, wait: 1030 },
  ])
  await run(1, DAY, [
    { node: 'in', status: 'completed', start: 0, finish: 400, port: 'next' },
    { node: 'w', status: 'failed', start: 1000, finish: 2000, attempt: 2 },
  ])
  // v2: two orders
  await run(2, 3_000_000, [
    { node: 'in', status: 'completed', start: 0, finish: 500, port: 'next' },
    { node: 'w', status: 'completed', start: 1000, wait: 1030, finish: 31_030, port: 'timeout' },
    { node: 'mail', status: 'completed', start: 31_030, finish: 31_037, port: 'sent' },
    { node: 'end', status: 'completed', start: 31_037, finish: 31_040 },
  ])
  await run(2, 3_100_000, [
    { node: 'in', status: 'completed', start: 0, finish: 600, port: 'next' },
    { node: 'w', status: 'waiting', start: 1000, wait: 1001 },
  ])
})
afterAll(async () => h?.close())

const node = (m: Awaited<ReturnType<typeof flowMetrics>>, id: string) => m.nodes.find((x) => x.nodeId === id)!

describe('per-node metrics', () => {
  it('counts, port shares and percentiles of one version', async () => {
    const m = await flowMetrics(h.db, { flowId: 'm', version: 1 })
    expect(m.versions).toEqual([1])
    expect(m.nodes.map((x) => x.nodeId)).toEqual(['in', 'w', 'end'])
    expect(node(m, 'in')).toEqual({
      nodeId: 'in',
      type: 'receive',
      label: null,
      entered: 4,
      completed: 4,
      failed: 0,
      cancelled: 0,
      retried: 0,
      waitingNow: 0,
      errorRate: 0,
      ports: [{ port: 'next', count: 4, share: 1 }],
      // 100, 200, 300, 400 ms: p50 = 250; p95 = 300 + 0.85 × 100
      processingMs: { p50: 250, p95: 385, mean: 250 },
      waitingMs: { p50: null, p95: null, mean: null },
    })
    expect(node(m, 'w')).toMatchObject({
      entered: 4,
      completed: 2,
      failed: 1,
      retried: 1,
      waitingNow: 1,
      errorRate: 1 / 3,
      ports: [
        { port: 'event', count: 1, share: 0.5 },
        { port: 'timeout', count: 1, share: 0.5 },
      ],
      // finished steps 10, 20 and 1000 ms of work (waiting excluded)
      processingMs: { p50: 20, mean: 1030 / 3 },
      // waited 60 s and 120 s: p95 = 60 s + 0.95 × 60 s
      waitingMs: { p50: 90_000, p95: 117_000, mean: 90_000 },
    })
    // p95 of 10, 20, 1000 = 20 + 0.9 × 980 (floating point: 901.999…)
    expect(node(m, 'w').processingMs.p95).toBeCloseTo(902, 9)
    expect(node(m, 'end')).toMatchObject({ entered: 2, completed: 2, ports: [] })
    expect(m.edges).toEqual([
      { id: 'in-next-w', source: 'in', sourceHandle: 'next', target: 'w', count: 4, share: 1 },
      { id: 'w-event-end', source: 'w', sourceHandle: 'event', target: 'end', count: 1, share: 0.5 },
      { id: 'w-timeout-end', source: 'w', sourceHandle: 'timeout', target: 'end', count: 1, share: 0.5 },
    ])
  })

  it('adds up all versions, with each edge counted in the versions that have it', async () => {
    const m = await flowMetrics(h.db, { flowId: 'm' })
    expect(m.version).toBeNull()
    expect(m.versions).toEqual([1, 2])
    expect(m.nodes.map((x) => x.nodeId)).toEqual(['in', 'w', 'end', 'mail'])
    // 100 … 600 ms: p50 = 350, p95 = 500 + 0.75 × 100
    expect(node(m, 'in').processingMs).toEqual({ p50: 350, p95: 575, mean: 350 })
    expect(node(m, 'w')).toMatchObject({
      entered: 6,
      waitingNow: 2,
      ports: [
        { port: 'timeout', count: 2, share: 2 / 3 },
        { port: 'event', count: 1, share: 1 / 3 },
      ],
    })
    expect(node(m, 'w').waitingMs).toEqual({ p50: 60_000, p95: 114_000, mean: 70_000 })
    expect(node(m, 'mail')).toMatchObject({
      type: 'send-email',
      entered: 1,
      processingMs: { p50: 7, p95: 7, mean: 7 },
    })
    const edge = (id: string) => m.edges.find((x) => x.id === id)
    expect(edge('w-timeout-end')).toMatchObject({ count: 1, share: 1 / 3 })
    expect(edge('w-timeout-mail')).toMatchObject({ count: 1, share: 1 / 3 })
    expect(edge('mail-sent-end')).toMatchObject({ count: 1, share: 1 })
    expect(edge('in-next-w')).toMatchObject({ count: 6, share: 1 })
  })

  it('limits to steps created in the window, but counts waiting-now regardless', async () => {
    const m = await flowMetrics(h.db, { flowId: 'm', version: 1, from: at(0), to: at(3_600_000) })
    expect(node(m, 'in')).toMatchObject({ entered: 3, processingMs: { p50: 200, mean: 200 } })
    expect(node(m, 'w')).toMatchObject({ entered: 3, failed: 0, retried: 0, waitingNow: 1 })
    expect(m.from).toBe('2025-01-01T00:00:00.000Z')
  })

  it('serves the metrics to analysts and operations, and says when the flow or version is unknown', async () => {
    const analyst = await h.tokenFor('analyst')
    const res = await h.api(
      'GET',
      '/api/flows/m/metrics?version=2&from=2025-01-01&to=2025-01-02',
      undefined,
      analyst,
    )
    expect(res.status).toBe(200)
    expect(res.body.nodes.find((x: { nodeId: string }) => x.nodeId === 'mail')).toMatchObject({
      entered: 1,
      completed: 1,
    })
    expect(
      (await h.api('GET', '/api/flows/m/metrics', undefined, await h.tokenFor('operations'))).status,
    ).toBe(200)
    expect((await h.api('GET', '/api/flows/m/metrics', undefined, await h.tokenFor('merchant'))).status).toBe(
      403,
    )
    expect((await h.api('GET', '/api/flows/nope/metrics')).body.error.code).toBe('not_found')
    expect((await h.api('GET', '/api/flows/m/metrics?version=9')).status).toBe(404)
    const bad = await h.api('GET', '/api/flows/m/metrics?from=2025-02-01&to=2025-01-01')
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } })
  })
})
