import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, eventually, type Harness, sampleOrder } from './harness.ts'
import { failingOrders, registerTestNodes } from './test-nodes.ts'

const n = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config, position: { x: 0, y: 0 } })
const e = (source: string, sourceHandle: string, target: string) => ({ source, sourceHandle, target })

const expressRule = {
  name: 'express gets high priority',
  conditions: { all: [{ fact: 'order', path: 'shippingMethod', operator: 'equal', value: 'express' }] },
  event: { type: 'set', params: { priority: 'high' } },
}

/** The engine issue's acceptance flow: receive → set → wait (packed or 2 s) → send-email → end. */
const acceptanceFlow = {
  nodes: [
    n('in', 'receive'),
    n('rules', 'set', { rules: [expressRule] }),
    n('wait', 'wait', { events: ['packed'], timeoutMs: 2000 }),
    n('mail', 'send-email', { template: 'order-confirmation' }),
    n('end', 'end'),
  ],
  edges: [e('in', 'next', 'rules'), e('rules', 'next', 'wait'), e('wait', 'event', 'mail'), e('wait', 'timeout', 'mail'), e('mail', 'sent', 'end')],
}

let h: Harness

async function publish(id: string, graph: unknown) {
  const existing = await h.api('GET', `/api/flows/${id}`)
  const res = existing.status === 404 ? await h.api('POST', '/api/flows', { id, name: id, graph }) : await h.api('PUT', `/api/flows/${id}`, { graph })
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
  const pub = await h.api('POST', `/api/flows/${id}/publish`, { note: 'test' })
  expect(pub.status, JSON.stringify(pub.body)).toBe(201)
  return pub.body.version as number
}

async function order(flowId: string, overrides: Record<string, unknown> = {}) {
  const res = await h.api('POST', '/api/orders', sampleOrder({ flowId, ...overrides }))
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as number
}

const detail = async (id: number) => (await h.api('GET', `/api/orders/${id}`)).body
const runStatus = (id: number, status: string) => eventually(async () => {
  const d = await detail(id)
  return d.run.status === status && d
}, 15_000, `order ${id} run ${status}`)

beforeAll(async () => {
  registerTestNodes()
  h = await createHarness()
  await publish('acceptance', acceptanceFlow)
})
afterAll(async () => h?.close())

describe('runner', () => {
  it('runs an order to completed, matching an event posted before the run reached the wait', async () => {
    const id = await order('acceptance', { shippingMethod: 'express' })
    // no worker yet: the event is stored and matched when the run gets to the wait
    const ev = await h.api('POST', `/api/orders/${id}/events`, { type: 'packed', data: { by: 'test' } })
    expect(ev.status).toBe(201)
    expect(ev.body.matched).toBe(false)
    await h.worker()
    const d = await runStatus(id, 'completed')
    expect(d.steps.map((s: any) => [s.nodeId, s.status, s.port])).toEqual([
      ['in', 'completed', 'next'],
      ['rules', 'completed', 'next'],
      ['wait', 'completed', 'event'],
      ['mail', 'completed', 'sent'],
      ['end', 'completed', null],
    ])
    for (const s of d.steps) {
      expect(new Date(s.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(s.startedAt).getTime())
    }
    expect(d.order.attributes.priority).toBe('high')
    expect(d.order.status).toBe('completed')
    expect(d.events[0].consumedByStep).toBe(d.steps[2].id)
    const emails = (await h.api('GET', `/api/emails?orderId=${id}`)).body.emails
    expect(emails).toHaveLength(1)
    expect(emails[0]).toMatchObject({ template: 'order-confirmation', to: 'ada@example.com' })
  })

  it('ends a wait at its deadline when no event comes', async () => {
    const id = await order('acceptance')
    const waiting = await runStatus(id, 'waiting')
    expect(waiting.steps.at(-1)).toMatchObject({ nodeId: 'wait', status: 'waiting', waitEvents: ['packed'] })
    const d = await runStatus(id, 'completed')
    const wait = d.steps.find((s: any) => s.nodeId === 'wait')
    expect(wait.port).toBe('timeout')
    expect(new Date(wait.finishedAt).getTime() - new Date(wait.waitingSince).getTime()).toBeGreaterThanOrEqual(1900)
    expect(d.order.attributes.priority).toBeUndefined()
  })

  it('wakes a waiting run when its event arrives', async () => {
    const id = await order('acceptance')
    await runStatus(id, 'waiting')
    const ev = await h.api('POST', `/api/orders/${id}/events`, { type: 'packed' })
    expect(ev.body.matched).toBe(true)
    const d = await runStatus(id, 'completed')
    expect(d.steps.find((s: any) => s.nodeId === 'wait').port).toBe('event')
    const emails = (await h.api('GET', `/api/emails?orderId=${id}`)).body.emails
    expect(emails).toHaveLength(1)
  })

  it('retries a transient error with backoff until it succeeds', async () => {
    await publish('flaky', { nodes: [n('in', 'receive'), n('call', 'test-flaky', { transientFailures: 2 }), n('end', 'end')], edges: [e('in', 'next', 'call'), e('call', 'ok', 'end')] })
    const id = await order('flaky')
    const d = await runStatus(id, 'completed')
    const call = d.steps.find((s: any) => s.nodeId === 'call')
    expect(call).toMatchObject({ status: 'completed', attempt: 3, port: 'ok', output: { attempt: 3 }, error: null })
  })

  it('follows the error port on a permanent error', async () => {
    await publish('caught', {
      nodes: [n('in', 'receive'), n('call', 'test-flaky'), n('end', 'end'), n('oops', 'end', { status: 'needs_attention' })],
      edges: [e('in', 'next', 'call'), e('call', 'ok', 'end'), e('call', 'error', 'oops')],
    })
    const body = sampleOrder({ flowId: 'caught' })
    failingOrders.add(body.externalId)
    const res = await h.api('POST', '/api/orders', body)
    const d = await runStatus(res.body.id, 'completed')
    expect(d.steps.map((s: any) => [s.nodeId, s.status, s.port])).toEqual([
      ['in', 'completed', 'next'],
      ['call', 'failed', 'error'],
      ['oops', 'completed', null],
    ])
    expect(d.steps[1].error).toContain('the test says this order fails')
    expect(d.steps[1].attempt).toBe(1)
    expect(d.order.status).toBe('needs_attention')
  })

  it('rolls back only the failing step: the chain before it keeps its writes once, the failed step leaves none', async () => {
    // the chain first runs without savepoints; the throw makes the job run again step by step
    await publish('write-fail', {
      nodes: [n('in', 'receive'), n('mail', 'send-email', { template: 'order-confirmation' }), n('bad', 'test-write-then-fail'), n('end', 'end'), n('oops', 'end', { status: 'needs_attention' })],
      edges: [e('in', 'next', 'mail'), e('mail', 'sent', 'bad'), e('bad', 'ok', 'end'), e('bad', 'error', 'oops')],
    })
    const id = await order('write-fail')
    const d = await runStatus(id, 'completed')
    expect(d.steps.map((s: any) => [s.nodeId, s.status, s.port])).toEqual([
      ['in', 'completed', 'next'],
      ['mail', 'completed', 'sent'],
      ['bad', 'failed', 'error'],
      ['oops', 'completed', null],
    ])
    expect(d.steps[2].error).toContain('written, then failed')
    const emails = (await h.api('GET', `/api/emails?orderId=${id}`)).body.emails
    expect(emails.map((m: any) => m.template)).toEqual(['order-confirmation'])
    const written = await h.db.selectFrom('events').select('id').where('order_id', '=', id).where('type', '=', 'test-written').execute()
    expect(written).toHaveLength(0)
    expect(d.order.status).toBe('needs_attention')
  })

  it('fails the run visibly without an error port, and retry resumes it from the failed step', async () => {
    await publish('uncaught', { nodes: [n('in', 'receive'), n('call', 'test-flaky'), n('end', 'end')], edges: [e('in', 'next', 'call'), e('call', 'ok', 'end')] })
    const body = sampleOrder({ flowId: 'uncaught' })
    failingOrders.add(body.externalId)
    const id = (await h.api('POST', '/api/orders', body)).body.id
    const failed = await runStatus(id, 'failed')
    expect(failed.run.error).toContain('Node "call" failed: the test says this order fails')
    expect(failed.order.status).toBe('failed')
    expect(failed.steps.find((s: any) => s.nodeId === 'call')).toMatchObject({ status: 'failed', port: null })
    expect(failed.steps.some((s: any) => s.nodeId === 'end')).toBe(false)
  })

  it('retry resumes a failed run', async () => {
    const body = sampleOrder({ flowId: 'uncaught' })
    failingOrders.add(body.externalId)
    const id = (await h.api('POST', '/api/orders', body)).body.id
    await runStatus(id, 'failed')
    const notYet = await h.api('POST', `/api/orders/${id}/retry`)
    expect(notYet.status).toBe(200)
    // it fails again while the cause persists
    await runStatus(id, 'failed')
    failingOrders.delete(body.externalId)
    expect((await h.api('POST', `/api/orders/${id}/retry`)).status).toBe(200)
    const d = await runStatus(id, 'completed')
    expect(d.steps.map((s: any) => [s.nodeId, s.visit, s.status])).toEqual([
      ['in', 1, 'completed'],
      ['call', 1, 'failed'],
      ['call', 2, 'failed'],
      ['call', 3, 'completed'],
      ['end', 1, 'completed'],
    ])
    const again = await h.api('POST', `/api/orders/${id}/retry`)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('run_not_failed')
  })

  it('keeps a waiting run on its version while new orders take the newly published one', async () => {
    const v1 = await publish('versions', {
      nodes: [n('in', 'receive'), n('wait', 'wait', { events: ['go'] }), n('end', 'end', { status: 'done-v1' })],
      edges: [e('in', 'next', 'wait'), e('wait', 'event', 'end')],
    })
    const a = await order('versions')
    await runStatus(a, 'waiting')
    const v2 = await publish('versions', {
      nodes: [n('in', 'receive'), n('end', 'end', { status: 'done-v2' })],
      edges: [e('in', 'next', 'end')],
    })
    expect(v2).toBe(v1 + 1)
    const b = await order('versions')
    const db = await runStatus(b, 'completed')
    expect(db.run.flowVersion).toBe(v2)
    expect(db.order.status).toBe('done-v2')
    await h.api('POST', `/api/orders/${a}/events`, { type: 'go' })
    const da = await runStatus(a, 'completed')
    expect(da.run.flowVersion).toBe(v1)
    expect(da.order.status).toBe('done-v1')
  })

  it('cancels a waiting run', async () => {
    const w = await order('acceptance')
    await runStatus(w, 'waiting')
    const res = await h.api('POST', `/api/orders/${w}/cancel`, { reason: 'customer asked' })
    expect(res.status).toBe(200)
    const d = await detail(w)
    expect(d.run).toMatchObject({ status: 'cancelled', error: 'customer asked' })
    expect(d.order.status).toBe('cancelled')
    expect(d.steps.at(-1).status).toBe('cancelled')
    expect((await h.api('POST', `/api/orders/${w}/cancel`, {})).status).toBe(409)
  })

  it('creates one order and one run when the same order is posted 20 times at once', async () => {
    const body = sampleOrder({ flowId: 'versions' })
    const results = await Promise.all(Array.from({ length: 20 }, () => h.api('POST', '/api/orders', body)))
    const ids = new Set(results.map((r) => r.body.id))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    expect(results.filter((r) => r.status === 200)).toHaveLength(19)
    const runs = await h.db.selectFrom('runs').select('id').where('order_id', '=', [...ids][0]).execute()
    expect(runs).toHaveLength(1)
  })
})
