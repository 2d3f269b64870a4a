import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, sampleOrder } from './harness.ts'

let h: Harness
beforeAll(async () => {
  h = await createHarness()
})
afterAll(async () => h?.close())

describe('API', () => {
  it('answers health without a token and serves an OpenAPI document', async () => {
    expect(await h.api('GET', '/api/health', undefined, null)).toMatchObject({ status: 200, body: { ok: true, db: true } })
    const doc = await h.api('GET', '/api/openapi.json', undefined, null)
    expect(doc.status).toBe(200)
    expect(doc.body.paths['/api/flows/{id}/publish'].post.summary).toBe('Publish the draft as a new version')
    expect(doc.body.paths['/api/orders'].post.requestBody.content['application/json'].schema.properties.lines).toBeDefined()
  })

  it('serves every node type with its config as JSON Schema', async () => {
    const res = await h.api('GET', '/api/node-types')
    const types = res.body.nodeTypes.map((t: any) => t.type)
    expect(types).toEqual(expect.arrayContaining(['receive', 'decision', 'set', 'wait', 'send-email', 'end']))
    const wait = res.body.nodeTypes.find((t: any) => t.type === 'wait')
    expect(wait).toMatchObject({ ports: ['event', 'timeout'], waits: true, category: 'Timing' })
    expect(wait.configSchema.properties.timeoutMs.type).toBe('integer')
    expect(res.body.nodeTypes.find((t: any) => t.type === 'decision').portsFromConfig).toBe('routes')
  })

  it('refuses a missing or wrong token with 401 and a wrong role with 403', async () => {
    const missing = await h.api('GET', '/api/flows', undefined, null)
    expect(missing).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } })
    const wrong = await h.api('GET', '/api/flows', undefined, 'of_not-a-token')
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } })
    const channel = await h.tokenFor('channel')
    const forbidden = await h.api('PUT', '/api/flows/default', { graph: { nodes: [], edges: [] } }, channel)
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
    expect(forbidden.body.error.message).toContain('operations')
    const analyst = await h.tokenFor('analyst')
    expect((await h.api('POST', '/api/orders', sampleOrder(), analyst)).status).toBe(403)
    expect((await h.api('GET', '/api/flows', undefined, analyst)).status).toBe(200)
    expect((await h.api('POST', '/api/orders', sampleOrder(), channel)).status).toBe(201)
  })

  it('a revoked token stops working at once', async () => {
    const created = await h.api('POST', '/api/tokens', { name: 'ops bot', role: 'operations' })
    expect(created.status).toBe(201)
    expect((await h.api('GET', '/api/me', undefined, created.body.token)).body).toEqual({ name: 'ops bot', role: 'operations' })
    expect((await h.api('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(200)
    expect((await h.api('GET', '/api/me', undefined, created.body.token)).status).toBe(401)
    const stored = await h.db.selectFrom('api_tokens').select('token_hash').where('id', '=', created.body.id).executeTakeFirstOrThrow()
    expect(stored.token_hash).not.toContain(created.body.token)
  })

  it('refuses invalid order JSON with 400 and every field path', async () => {
    const bad = sampleOrder({ currency: 'euro', lines: [{ sku: '', quantity: 0, unitPrice: 12.5 }] })
    const res = await h.api('POST', '/api/orders', bad)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_request')
    const paths = res.body.error.details.map((d: any) => d.path)
    expect(paths).toEqual(expect.arrayContaining(['currency', 'lines.0.sku', 'lines.0.quantity', 'lines.0.unitPrice']))
    const notJson = await h.api('POST', '/api/orders', '{"channel":')
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } })
    expect(await h.db.selectFrom('orders').select('id').where('currency', '=', 'euro').execute()).toEqual([])
  })

  it('refuses orders for unknown or unpublished flows with a clear 422', async () => {
    const customer = { email: 'nobody-saved@example.com', name: 'Nobody Saved' }
    const refused = [sampleOrder({ flowId: 'nope', customer }), sampleOrder({ flowId: 'draft-only', customer })]
    const unknown = await h.api('POST', '/api/orders', refused[0])
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'unknown_flow' } } })
    expect(unknown.body.error.message).toContain('"nope" does not exist')
    await h.api('POST', '/api/flows', { id: 'draft-only', name: 'Draft only' })
    const unpublished = await h.api('POST', '/api/orders', refused[1])
    expect(unpublished).toMatchObject({ status: 422, body: { error: { code: 'flow_not_published' } } })
    // nothing of a refused order is kept: no customer, no order
    expect(await h.db.selectFrom('customers').select('id').where('email', '=', customer.email).execute()).toEqual([])
    expect(await h.db.selectFrom('orders').select('id').where('channel', '=', 'web').where('external_id', 'in', refused.map((o) => o.externalId)).execute()).toEqual([])
  })

  it('refuses to publish an invalid graph with node-keyed details, and keeps the active version', async () => {
    await h.api('POST', '/api/flows', { id: 'broken', name: 'Broken' })
    const graph = {
      nodes: [
        { id: 'in', type: 'receive', config: {}, position: { x: 0, y: 0 } },
        { id: 'w', type: 'wait', config: {}, position: { x: 1, y: 0 } },
        { id: 'x', type: 'warp', config: {}, position: { x: 2, y: 0 } },
      ],
      edges: [{ source: 'in', sourceHandle: 'next', target: 'w' }, { source: 'w', sourceHandle: 'event', target: 'x' }],
    }
    expect((await h.api('PUT', '/api/flows/broken', { graph })).status).toBe(200)
    const validated = await h.api('POST', '/api/flows/broken/validate', {})
    expect(validated.body.valid).toBe(false)
    const res = await h.api('POST', '/api/flows/broken/publish', { note: 'try' })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('invalid_graph')
    const byNode = res.body.error.details.map((d: any) => d.nodeId)
    expect(byNode).toEqual(expect.arrayContaining(['w', 'x']))
    expect((await h.api('GET', '/api/flows/broken')).body.activeVersion).toBeNull()
  })

  it('lists flows, versions, and exports and imports a flow', async () => {
    const list = await h.api('GET', '/api/flows')
    expect(list.body.flows[0]).toMatchObject({ id: 'default', isDefault: true, activeVersion: 1, hasDraftChanges: false })
    const versions = await h.api('GET', '/api/flows/default/versions')
    expect(versions.body.versions).toEqual([expect.objectContaining({ version: 1, active: true, publishedBy: 'system' })])
    const exported = await h.api('GET', '/api/flows/default/export')
    const doc = { ...exported.body, id: 'copy', name: 'Copy of default' }
    expect((await h.api('POST', '/api/flows/import', doc)).status).toBe(201)
    const copy = await h.api('GET', '/api/flows/copy')
    expect(copy.body.graph).toEqual(exported.body.graph)
    expect((await h.api('POST', '/api/flows/import', { ...doc, orderflow: 2 })).status).toBe(400)
  })

  it('answers unknown routes and ids with JSON errors', async () => {
    expect(await h.api('GET', '/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    expect(await h.api('GET', '/api/orders/abc')).toMatchObject({ status: 400, body: { error: { code: 'invalid_id' } } })
    expect(await h.api('GET', '/api/orders/999999')).toMatchObject({ status: 404 })
    expect(await h.api('GET', '/api/flows/none')).toMatchObject({ status: 404 })
  })

  it('refuses a body over the limit with 413', async () => {
    const huge = JSON.stringify(sampleOrder({ tags: ['x'.repeat(2_000_000)] }))
    const res = await h.api('POST', '/api/orders', huge)
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('body_too_large')
  })
})
