import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { createFlow, getFlow, getVersion, listFlows, listVersions, publishFlow, saveDraft } from '../flows/flows.ts'
import { graphSchema } from '../graph.ts'
import { validateGraph } from '../validate-graph.ts'
import { type Env, guard, readBody } from './guard.ts'

const flowId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes')
const createBody = z.object({ id: flowId.optional(), name: z.string().min(1).max(200), description: z.string().max(2000).optional(), graph: graphSchema.optional() })
const saveBody = z.object({ name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional(), graph: graphSchema })
const validateBody = z.object({ graph: z.unknown().optional() })
const publishBody = z.object({ note: z.string().max(2000).default('') })
const exportDoc = z.object({ orderflow: z.literal(1), id: flowId, name: z.string().min(1), description: z.string().default(''), graph: graphSchema })

const readers = ['operations', 'analyst', 'merchant'] as const

export function flowRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get('/', guard({ summary: 'List flows', roles: [...readers] }), async (c) => c.json({ flows: await listFlows(db) }))
  app.post('/', guard({ summary: 'Create a flow', roles: ['operations'], body: createBody }), async (c) => {
    const body = await readBody(c, createBody)
    return c.json(await createFlow(db, body, c.get('actor').name), 201)
  })
  app.post('/import', guard({ summary: 'Import a flow exported as JSON', roles: ['operations'], body: exportDoc }), async (c) => {
    const doc = await readBody(c, exportDoc)
    const exists = await db.selectFrom('flows').select('id').where('id', '=', doc.id).executeTakeFirst()
    const actor = c.get('actor').name
    const flow = exists
      ? await saveDraft(db, doc.id, { name: doc.name, description: doc.description, graph: doc.graph }, actor)
      : await createFlow(db, { id: doc.id, name: doc.name, description: doc.description, graph: doc.graph }, actor)
    return c.json(flow, 201)
  })
  app.get('/:id', guard({ summary: 'A flow with its draft graph', roles: [...readers] }), async (c) => c.json(await getFlow(db, c.req.param('id'))))
  app.put('/:id', guard({ summary: 'Save the draft graph', roles: ['operations'], body: saveBody }), async (c) => {
    const body = await readBody(c, saveBody)
    return c.json(await saveDraft(db, c.req.param('id'), body, c.get('actor').name))
  })
  app.post('/:id/validate', guard({ summary: 'Validate a graph (default: the draft)', roles: ['operations', 'analyst'], body: validateBody }), async (c) => {
    const body = await readBody(c, validateBody)
    const graph = body.graph ?? (await getFlow(db, c.req.param('id'))).graph
    const problems = validateGraph(graph)
    return c.json({ valid: !problems.some((p) => p.severity === 'error'), problems })
  })
  app.post('/:id/publish', guard({ summary: 'Publish the draft as a new version', roles: ['operations'], body: publishBody }), async (c) => {
    const { note } = await readBody(c, publishBody)
    return c.json(await publishFlow(db, c.req.param('id'), note, c.get('actor').name), 201)
  })
  app.get('/:id/versions', guard({ summary: 'Published versions', roles: ['operations', 'analyst'] }), async (c) =>
    c.json({ versions: await listVersions(db, c.req.param('id')) }),
  )
  app.get('/:id/versions/:version', guard({ summary: 'One published version', roles: ['operations', 'analyst'] }), async (c) => {
    const version = Number(c.req.param('version'))
    if (!Number.isInteger(version) || version < 1) throw new ApiError(400, 'invalid_version', 'A version is a whole number from 1.')
    return c.json(await getVersion(db, c.req.param('id'), version))
  })
  app.get('/:id/export', guard({ summary: 'Export the flow (draft) as JSON', roles: ['operations', 'analyst'] }), async (c) => {
    const flow = await getFlow(db, c.req.param('id'))
    c.header('Content-Disposition', `attachment; filename="${flow.id}.flow.json"`)
    return c.json({ orderflow: 1, id: flow.id, name: flow.name, description: flow.description, graph: flow.graph })
  })
  return app
}
