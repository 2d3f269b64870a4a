import { Hono } from 'hono'
import { sql } from 'kysely'
import { z } from 'zod'
import { nodeTypes } from '../../nodes/index.ts'
import type { Db } from '../db.ts'
import { type Env, guard } from './guard.ts'

/** Every node definition with its config as JSON Schema: all the editor knows of node types. */
export function nodeTypeDocs() {
  return nodeTypes.map((d) => ({
    type: d.type,
    title: d.title,
    description: d.description,
    category: d.category,
    icon: d.icon,
    ports: d.ports,
    portsFromConfig: d.portsFromConfig,
    trigger: d.trigger ?? false,
    waits: d.waits ?? false,
    configSchema: z.toJSONSchema(d.config, { io: 'input', unrepresentable: 'any' }),
  }))
}

export function systemRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  const docs = nodeTypeDocs()
  app.get('/health', guard({ summary: 'Liveness and database reachability', roles: 'public' }), async (c) => {
    const ok = await sql`select 1`.execute(db).then(() => true, () => false)
    return c.json({ ok, db: ok }, ok ? 200 : 503)
  })
  app.get('/me', guard({ summary: 'Who the token belongs to', roles: 'any' }), (c) => {
    const { name, role } = c.get('actor')
    return c.json({ name, role })
  })
  app.get('/node-types', guard({ summary: 'Node type definitions with config JSON Schemas', roles: 'any' }), (c) => c.json({ nodeTypes: docs }))
  return app
}
