import { afterAll, beforeAll, expect, it } from 'vitest'
import { createHarness, eventually, type Harness, sampleOrder } from './harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
  await h.worker()
  const graph = {
    nodes: [
      { id: 'in', type: 'receive', config: {}, position: { x: 0, y: 0 } },
      { id: 'end', type: 'end', config: {}, position: { x: 1, y: 0 } },
    ],
    edges: [{ source: 'in', sourceHandle: 'next', target: 'end' }],
  }
  await h.api('POST', '/api/flows', { id: 'short', name: 'Short', graph })
  await h.api('POST', '/api/flows/short/publish', {})
})
afterAll(() => h?.close())

it('rejects, with an email, a return requested after the run has finished', async () => {
  const id = (await h.api('POST', '/api/orders', sampleOrder({ flowId: 'short' }))).body.id
  await eventually(async () => (await h.api('GET', `/api/orders/${id}`)).body.run.status === 'completed')
  const res = await h.api('POST', `/api/orders/${id}/events`, { type: 'return_requested', data: { reason: 'changed_mind' } })
  expect(res.status).toBe(201)
  expect(res.body).toMatchObject({ matched: false, rejected: { reason: expect.stringContaining('closed') } })
  const ret = await h.db.selectFrom('returns').select(['status', 'reason']).where('order_id', '=', id).execute()
  expect(ret).toEqual([{ status: 'rejected', reason: 'changed_mind' }])
  const emails = await h.db.selectFrom('emails').select('template').where('order_id', '=', id).execute()
  expect(emails).toEqual([{ template: 'return-rejected' }])
})

it('keeps a return requested while the run is still under way for the return node', async () => {
  const graph = {
    nodes: [
      { id: 'in', type: 'receive', config: {}, position: { x: 0, y: 0 } },
      { id: 'w', type: 'wait', config: { events: ['go'] }, position: { x: 1, y: 0 } },
      { id: 'end', type: 'end', config: {}, position: { x: 2, y: 0 } },
    ],
    edges: [{ source: 'in', sourceHandle: 'next', target: 'w' }, { source: 'w', sourceHandle: 'event', target: 'end' }],
  }
  await h.api('POST', '/api/flows', { id: 'slow-return', name: 'Slow', graph })
  await h.api('POST', '/api/flows/slow-return/publish', {})
  const id = (await h.api('POST', '/api/orders', sampleOrder({ flowId: 'slow-return' }))).body.id
  await eventually(async () => (await h.api('GET', `/api/orders/${id}`)).body.run.status === 'waiting')
  const res = await h.api('POST', `/api/orders/${id}/events`, { type: 'return_requested', data: {} })
  expect(res.body.rejected).toBeUndefined()
  expect(await h.db.selectFrom('returns').select('id').where('order_id', '=', id).execute()).toEqual([])
})
