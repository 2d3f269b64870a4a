import { Hono } from 'hono'
import { z } from 'zod'
import { audit } from '../audit.ts'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { type Env, guard, idParam, readBody } from './guard.ts'
import { ROLES, createToken, forgetCachedTokens } from './tokens-store.ts'

const body = z.object({ name: z.string().min(1).max(200), role: z.enum(ROLES as [string, ...string[]]) })

export function tokenRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get('/', guard({ summary: 'List API tokens (never the secrets)', roles: [] }), async (c) => {
    const rows = await db.selectFrom('api_tokens').select(['id', 'name', 'role', 'created_at', 'revoked_at', 'last_used_at']).orderBy('id').execute()
    return c.json({ tokens: rows.map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at })) })
  })
  app.post('/', guard({ summary: 'Create a token; the secret is shown once', roles: [], body }), async (c) => {
    const input = await readBody(c, body)
    const token = await db.transaction().execute(async (tx) => {
      const created = await createToken(tx, input.name, input.role as never)
      await audit(tx, c.get('actor').name, 'token.created', `token:${created.id}`, { name: created.name, role: created.role })
      return created
    })
    return c.json({ id: token.id, name: token.name, role: token.role, token: token.token }, 201)
  })
  app.delete('/:id', guard({ summary: 'Revoke a token', roles: [] }), async (c) => {
    const id = idParam(c)
    await db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returning('id').executeTakeFirst()
      if (!row) throw new ApiError(404, 'not_found', `Token ${id} does not exist or is revoked already.`)
      await audit(tx, c.get('actor').name, 'token.revoked', `token:${id}`)
    })
    forgetCachedTokens()
    return c.json({ id, revoked: true })
  })
  return app
}
