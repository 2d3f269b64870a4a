import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { RuleEngineCache } from '../rules.ts'
import { bodyLimit } from './body-limit.ts'
import { emailRoutes } from './emails.ts'
import { flowRoutes } from './flows.ts'
import { type Env, guard } from './guard.ts'
import { openApiDocument } from './openapi.ts'
import { orderRoutes } from './orders.ts'
import { ruleRoutes } from './rules.ts'
import { noStore, securityHeaders } from './security-headers.ts'
import { mountExtraRoutes } from './extra-routes.ts'
import { type IntakeRateLimit, intakeRateLimit, intakeRateLimitFromEnv } from './rate-limit.ts'
import { systemRoutes } from './system.ts'
import { tokenRoutes } from './tokens.ts'
import { findActor } from './tokens-store.ts'

export interface AppDeps {
  db: Db
  log: Logger
  rules?: RuleEngineCache
  /** Where the built editor lives. (Default: editor/dist) */
  editorDir?: string
  /** Largest accepted request body. (Default: 1 MiB) */
  maxBodyBytes?: number
  /** Orders per minute per API token (POST /api/orders) and per channel (webhooks). (Default: env `ORDERFLOW_INTAKE_RATE_LIMIT`, else 3000; 0 = off) */
  intakeRateLimit?: IntakeRateLimit
  /** The database's URL: simulations create their scratch databases on the same server. (Without it, POST /api/simulations answers 503) */
  dbUrl?: string
}

const EDITOR_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'editor', 'dist')

export function createApp(deps: AppDeps): Hono<Env> {
  const { db, log } = deps
  const app = new Hono<Env>()
  app.onError((error, c) => {
    if (error instanceof ApiError) {
      return c.json({ error: { code: error.code, message: error.message, details: error.details } }, error.status)
    }
    if (error instanceof HTTPException) {
      const status = error.status
      const code = status === 413 ? 'body_too_large' : 'http_error'
      const message = status === 413 ? `The request body is larger than ${deps.maxBodyBytes ?? 1048576} bytes; send less.` : error.message
      return c.json({ error: { code, message } }, status)
    }
    log.error({ err: error, path: c.req.path }, 'unhandled API error')
    // never a stack trace to clients
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side; it has been logged. Try again.' } }, 500)
  })
  app.use('*', securityHeaders({ contentSecurityPolicy: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameSrc: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"] } }))
  app.use('/api/*', noStore)
  app.use('/api/*', bodyLimit(deps.maxBodyBytes ?? 1024 * 1024))
  app.use('/api/*', async (c, next) => {
    const header = c.req.header('Authorization')
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1]
    if (token) {
      const actor = await findActor(db, token)
      if (!actor) throw new ApiError(401, 'invalid_token', 'The token is unknown or revoked; sign in again or ask an admin for a new one.')
      c.set('actor', actor)
    } else if (header) {
      throw new ApiError(401, 'invalid_token', 'Send the token as "Authorization: Bearer <token>".')
    }
    await next()
  })
  // intake is the one route a third party calls at volume: limit it per caller (see rate-limit.ts)
  const limit = deps.intakeRateLimit ?? intakeRateLimitFromEnv()
  app.post('/api/orders', intakeRateLimit(limit, (c) => c.get('actor') && `token:${c.get('actor').tokenId}`))
  app.post('/api/channels/:channelId/webhook', intakeRateLimit(limit, (c) => `channel:${c.req.param('channelId')}`))

  const rules = deps.rules ?? new RuleEngineCache()
  app.route('/api', systemRoutes({ db }))
  app.route('/api/flows', flowRoutes({ db }))
  app.route('/api/orders', orderRoutes({ db }))
  app.route('/api/emails', emailRoutes({ db }))
  app.route('/api/rules', ruleRoutes({ db, rules }))
  app.route('/api/tokens', tokenRoutes({ db }))
  mountExtraRoutes(app, { db, dbUrl: deps.dbUrl })
  app.get('/api/openapi.json', guard({ summary: 'This document', roles: 'public' }), (c) => c.json(openApiDocument(app)))
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `No API route ${c.req.method} ${c.req.path}; see /api/openapi.json.` } }, 404))
  serveEditor(app, deps.editorDir ?? EDITOR_DIST)
  return app
}

const MIME: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon' }

/** The built editor at `/`, with index.html for every other path (client-side routing). */
function serveEditor(app: Hono<Env>, dir: string) {
  app.get('*', (c) => {
    const rel = path.normalize(decodeURIComponent(c.req.path)).replace(/^(\.\.[/\\])+/, '')
    let file = path.join(dir, rel)
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dir, 'index.html')
    if (!fs.existsSync(file)) {
      return c.text('The editor is not built yet: run `npm run build` (npm start does it for you).', 503)
    }
    const type = MIME[path.extname(file)] ?? 'application/octet-stream'
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'
    return c.body(fs.readFileSync(file), 200, { 'Content-Type': type, 'Cache-Control': cache })
  })
}
