import net from 'node:net'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.ts'
import { configureSmtp } from '../email/smtp.ts'
import { DEFAULT_FLOW_ID } from '../seed/default-flow.ts'

let h: Harness
/** A fake SMTP server that only counts connections: a simulation must never open one. */
let smtp: net.Server
let smtpConnections = 0

beforeAll(async () => {
  h = await createHarness()
  smtp = net.createServer((socket) => {
    smtpConnections++
    socket.end('421 not a real server\r\n')
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  // this process "has SMTP configured", as `orderflow start` with SMTP_URL would
  configureSmtp(`smtp://127.0.0.1:${(smtp.address() as net.AddressInfo).port}`)
})
afterAll(async () => {
  configureSmtp(undefined)
  await new Promise((r) => smtp?.close(r))
  await h?.close()
})

async function footprint() {
  const { rows } = await sql<Record<string, number>>`select
    (select count(*)::int from orders) as orders, (select count(*)::int from runs) as runs,
    (select count(*)::int from emails) as emails, (select count(*)::int from graphile_worker.jobs) as jobs,
    (select coalesce(sum(on_hand + reserved), 0)::int from inventory) as stock`.execute(h.db)
  return rows[0]
}

async function untilFinished(id: string, timeoutMs = 25_000) {
  const deadline = Date.now() + timeoutMs
  const seen: number[] = []
  for (;;) {
    const r = await h.api('GET', `/api/simulations/${id}`)
    expect(r.status).toBe(200)
    seen.push(r.body.progress.done)
    if (r.body.status !== 'running') return { ...r.body, seen }
    if (Date.now() > deadline) throw new Error(`simulation ${id} still running after ${timeoutMs} ms`)
    await new Promise((res) => setTimeout(res, 200))
  }
}

const small = { flowId: DEFAULT_FLOW_ID, orders: 30, seed: 7, days: 1, tickMinutes: 360 }

describe('simulations API', () => {
  it('rejects bad input with 400 and an unknown flow or version with 404/422', async () => {
    for (const body of [
      {},
      { flowId: DEFAULT_FLOW_ID, orders: 0 },
      { flowId: DEFAULT_FLOW_ID, orders: 2001 },
      { flowId: DEFAULT_FLOW_ID, orders: 'many' },
      { flowId: DEFAULT_FLOW_ID, compare: [1] },
      { flowId: '../etc/passwd.json' },
      { flowId: DEFAULT_FLOW_ID, version: 1, compare: [1, 1] },
    ]) {
      const r = await h.api('POST', '/api/simulations', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
    expect((await h.api('POST', '/api/simulations', { flowId: 'no-such-flow' })).status).toBe(404)
    expect((await h.api('POST', '/api/simulations', { flowId: DEFAULT_FLOW_ID, version: 99 })).status).toBe(422)
    expect((await h.api('GET', '/api/simulations/nope')).status).toBe(404)
    const merchant = await h.tokenFor('merchant')
    expect((await h.api('POST', '/api/simulations', small, merchant)).status).toBe(403)
  })

  it('runs 30 orders in the background: 202, 409 for a second one, progress, result; real data and SMTP untouched', async () => {
    const before = await footprint()
    const analyst = await h.tokenFor('analyst')
    const start = await h.api('POST', '/api/simulations', small, analyst)
    expect(start.status).toBe(202)
    expect(start.body).toEqual({ id: expect.any(String), status: 'running' })
    const second = await h.api('POST', '/api/simulations', small)
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('simulation_running')

    const sim = await untilFinished(start.body.id)
    expect(sim.error).toBeUndefined()
    expect(sim.status).toBe('done')
    expect(sim.progress).toEqual({ done: 30, total: 30 })
    expect(sim.seen).toEqual([...sim.seen].sort((a: number, b: number) => a - b))
    expect(sim.result.kpis.ordersPlaced).toBe(30)
    expect(sim.result.kpis.returnRate).toHaveProperty('byReason')
    expect(sim.result.metrics.nodes.length).toBeGreaterThan(3)
    expect(sim.result.metrics.nodes.find((n: { nodeId: string }) => n.nodeId === 'start')?.entered ?? 30).toBe(30)
    expect(sim.result.flow).toEqual({ id: DEFAULT_FLOW_ID, version: 1 })
    // the simulated orders got email (in the scratch outbox) ...
    const sent = sim.result.kpis.emailsPerTemplate.reduce((s: number, e: { sent: number }) => s + e.sent, 0)
    expect(sent).toBeGreaterThan(0)
    // ... and none of it reached SMTP, though this process has SMTP configured
    expect(smtpConnections).toBe(0)
    expect(await footprint()).toEqual(before)
    const scratch = await sql<{ n: number }>`select count(*)::int as n from pg_database where datname like ${`orderflow_sim_${process.pid}_%`}`.execute(h.db)
    expect(scratch.rows[0]!.n).toBe(0)

    // once it is done, the next one may start (compare two versions on the same stream)
    const cmp = await h.api('POST', '/api/simulations', { ...small, orders: 10, compare: [1, 1] })
    expect(cmp.status).toBe(202)
    const done = await untilFinished(cmp.body.id)
    expect(done.status).toBe('done')
    expect(done.progress).toEqual({ done: 20, total: 20 })
    const { a, b, differences } = done.result.compare
    expect(a.kpis.ordersPlaced).toBe(10)
    expect(b.kpis.ordersPlaced).toBe(10)
    const placed = differences.find((d: { kpi: string }) => d.kpi === 'orders placed')
    expect(placed).toMatchObject({ aValue: 10, bValue: 10, difference: '=', delta: 0 })
    expect(smtpConnections).toBe(0)
  }, 30_000)
})
