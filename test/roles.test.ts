import fs from 'node:fs'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../engine/api/app.ts'
import { type RouteDoc, routeDocs } from '../engine/api/guard.ts'
import { ROLES } from '../engine/api/tokens-store.ts'
import type { Role } from '../engine/db-types.ts'
import { createHarness, type Harness } from './harness.ts'

/**
 * Route × role matrix over every route the app has, found by walking `app.routes` and the guard
 * docs: a route added tomorrow is in the matrix without anyone touching this file, and a route
 * without a guard fails here.
 */

let h: Harness
let app: ReturnType<typeof createApp>
const tokens = new Map<Role, string>()

interface ApiRoute {
  method: string
  path: string
  doc: RouteDoc | undefined
}

function apiRoutes(): ApiRoute[] {
  const byKey = new Map<string, ApiRoute>()
  for (const r of app.routes) {
    if (r.method === 'ALL' || !r.path.startsWith('/api/') || r.path.includes('*')) continue
    const key = `${r.method} ${r.path}`
    const entry = byKey.get(key) ?? { method: r.method, path: r.path, doc: undefined }
    entry.doc ??= routeDocs.get(r.handler)
    byKey.set(key, entry)
  }
  return [...byKey.values()]
}

const allowed = (doc: RouteDoc, role: Role | null) =>
  doc.roles === 'public' ||
  (role !== null && (doc.roles === 'any' || role === 'admin' || doc.roles.includes(role)))

async function call(route: ApiRoute, role: Role | null) {
  // parameters point at nothing, bodies are empty: an allowed caller gets 400/404/422, never 401/403
  const path = route.path.replace(/:[A-Za-z]+/g, '999999')
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (role) headers.Authorization = `Bearer ${tokens.get(role)}`
  const res = await app.request(path, {
    method: route.method,
    headers,
    body: route.method === 'GET' ? undefined : '{}',
  })
  const body = await res.text()
  return { status: res.status, body }
}

beforeAll(async () => {
  h = await createHarness()
  app = createApp({ db: h.db, log: pino({ level: 'silent' }) })
  for (const role of ROLES) tokens.set(role, await h.tokenFor(role))
})
afterAll(async () => h?.close())

describe('roles', () => {
  it('every API route has a guard that says who may call it', () => {
    const routes = apiRoutes()
    expect(routes.length).toBeGreaterThan(25)
    expect(routes.filter((r) => !r.doc).map((r) => `${r.method} ${r.path}`)).toEqual([])
    // the routes of this issue are among them
    const keys = routes.map((r) => `${r.method} ${r.path}`)
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /api/channels',
        'GET /api/channels',
        'DELETE /api/channels/:id',
        'POST /api/channels/:channelId/webhook',
        'GET /api/audit',
      ]),
    )
  })

  it('route × role: allowed roles get through, every other role gets 403, no token 401', async () => {
    const wrong: string[] = []
    let cells = 0
    for (const route of apiRoutes()) {
      if (!route.doc) continue
      for (const role of [...ROLES, null] as (Role | null)[]) {
        const { status, body } = await call(route, role)
        cells++
        const who = role ?? 'no token'
        const ok = allowed(route.doc, role)
        if (ok && (status === 401 || status === 403))
          wrong.push(`${route.method} ${route.path} as ${who}: ${status}, expected to be let through`)
        if (!ok && role && status !== 403)
          wrong.push(`${route.method} ${route.path} as ${who}: ${status}, expected 403`)
        if (!ok && !role && status !== 401)
          wrong.push(`${route.method} ${route.path} with no token: ${status}, expected 401`)
        if (status >= 500)
          wrong.push(`${route.method} ${route.path} as ${who}: ${status} ${body.slice(0, 200)}`)
        if (status === 403) expect(JSON.parse(body).error.code).toBe('forbidden')
      }
    }
    expect(wrong).toEqual([])
    expect(cells).toBeGreaterThan(25 * 7)
  })

  it('admin-only routes: tokens, channels and the audit log', () => {
    const adminOnly = apiRoutes()
      .filter((r) => Array.isArray(r.doc?.roles) && r.doc.roles.length === 0)
      .map((r) => `${r.method} ${r.path}`)
    expect(adminOnly).toEqual(
      expect.arrayContaining([
        'GET /api/tokens',
        'POST /api/tokens',
        'DELETE /api/tokens/:id',
        'GET /api/channels',
        'POST /api/channels',
        'DELETE /api/channels/:id',
        'GET /api/audit',
      ]),
    )
  })

  it('the guards agree with the roles documented in docs/api.md', () => {
    const documented = parseApiDoc(fs.readFileSync('docs/api.md', 'utf8'))
    const guards = new Map(apiRoutes().map((r) => [`${r.method} ${r.path}`, r.doc]))
    const mismatches: string[] = []
    for (const [key, roles] of documented) {
      const doc = guards.get(key)
      if (!doc) {
        mismatches.push(`${key} is documented but has no route`)
        continue
      }
      const actual = typeof doc.roles === 'string' ? doc.roles : [...doc.roles].sort().join(', ')
      if (actual !== roles) mismatches.push(`${key}: documented "${roles}", guard says "${actual}"`)
    }
    expect(documented.size).toBeGreaterThan(20)
    expect(mismatches).toEqual([])
  })
})

/** `| \`GET /api/flows/:id\` | operations, analyst | ... |` rows → "GET /api/flows/:id" → "analyst, operations". */
function parseApiDoc(md: string): Map<string, string> {
  const out = new Map<string, string>()
  let previous = ''
  for (const line of md.split('\n')) {
    const m = /^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`?\s]*)[^`]*` \| ([^|]+) \|/.exec(line)
    if (!m) continue
    let roles = m[3]!.replace(/\(.*?\)/g, '').trim()
    if (roles === 'same') roles = previous
    previous = roles
    const normalised =
      roles === 'public' || roles === 'any'
        ? roles
        : roles
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r && r !== 'admin')
            .sort()
            .join(', ')
    out.set(`${m[1]} ${m[2]}`, normalised)
  }
  return out
}
