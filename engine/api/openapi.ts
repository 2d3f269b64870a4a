import type { Hono } from 'hono'
import { z } from 'zod'
import type { Env } from './guard.ts'
import { routeDocs } from './guard.ts'

/** The OpenAPI 3.1 document, generated from the guards: the route table is the single source. */
export function openApiDocument(app: Hono<Env>) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of app.routes) {
    const doc = routeDocs.get(route.handler)
    if (!doc) continue
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}')
    const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
    const query = doc.query ? z.toJSONSchema(doc.query, { io: 'input', unrepresentable: 'any' }) : undefined
    const queryParams = query && typeof query === 'object' && 'properties' in query
      ? Object.entries(query.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema }))
      : []
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = {
      summary: doc.summary,
      description: doc.roles === 'public' ? 'No token needed.' : doc.roles === 'any' ? 'Any valid token.' : `Roles: admin, ${doc.roles.join(', ')}`.replace(/, $/, ''),
      security: doc.roles === 'public' ? [] : [{ bearer: [] }],
      parameters: [...params, ...queryParams],
      ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(doc.body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      responses: { default: { description: 'JSON; errors are { "error": { "code", "message", "details" } }' } },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'orderflow', version: '0.1.0', description: 'Order-management workflow engine API' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  }
}
