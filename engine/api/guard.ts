import type { Context, MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import type { Role } from '../db-types.ts'
import { ApiError } from '../errors.ts'
import type { Actor } from './tokens-store.ts'

export type Env = { Variables: { actor: Actor } }

export interface RouteDoc {
  summary: string
  /** Who may call it; admin always may. 'public' needs no token, 'any' any valid token. */
  roles: Role[] | 'public' | 'any'
  body?: z.ZodType
  query?: z.ZodType
}

/** Every guard middleware and its doc: the OpenAPI document is generated from these. */
export const routeDocs = new WeakMap<object, RouteDoc>()

/**
 * Role check for one route, written next to the route so "who may call this" is never implicit.
 * Authentication itself (bearer token → actor) runs once for /api/* in app.ts.
 */
export function guard(doc: RouteDoc): MiddlewareHandler<Env> {
  const mw: MiddlewareHandler<Env> = async (c, next) => {
    if (doc.roles !== 'public') {
      const actor = c.get('actor')
      if (!actor) throw new ApiError(401, 'unauthenticated', 'Send a valid token as "Authorization: Bearer <token>".')
      if (doc.roles !== 'any' && actor.role !== 'admin' && !doc.roles.includes(actor.role)) {
        throw new ApiError(403, 'forbidden', `The ${actor.role} role may not do this; it needs one of: admin, ${doc.roles.join(', ')}.`)
      }
    }
    await next()
  }
  routeDocs.set(mw, doc)
  return mw
}

/** Parses the JSON body with a zod schema; 400 lists every field path that is wrong. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown
  try {
    const text = await c.req.text()
    raw = text === '' ? {} : JSON.parse(text)
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.')
  }
  return parseInput(schema, raw, 'body')
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseInput(schema, c.req.query(), 'query')
}

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, where: string): z.output<S> {
  const result = schema.safeParse(raw)
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    const first = details[0]!
    throw new ApiError(
      400,
      'invalid_request',
      `The request ${where} is invalid: ${first.path ? `${first.path}: ` : ''}${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}.`,
      details,
    )
  }
  return result.data
}

export function idParam(c: Context, name = 'id'): number {
  const raw = c.req.param(name) ?? ''
  const id = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id)) throw new ApiError(400, 'invalid_id', `"${raw}" is not a numeric ${name}.`)
  return id
}
