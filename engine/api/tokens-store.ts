import crypto from 'node:crypto'
import type { Db, Executor } from '../db.ts'
import type { Role } from '../db-types.ts'

export const ROLES: readonly Role[] = ['admin', 'operations', 'merchant', 'analyst', 'warehouse', 'channel']

/** Tokens are random, so one SHA-256 is enough to store them safely (no password stretching needed). */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex')
}

export function newToken(): string {
  return `of_${crypto.randomBytes(24).toString('base64url')}`
}

export async function createToken(db: Executor, name: string, role: Role, token = newToken()) {
  const row = await db
    .insertInto('api_tokens')
    .values({ name, role, token_hash: hashToken(token) })
    .returning(['id', 'name', 'role', 'created_at'])
    .executeTakeFirstOrThrow()
  return { ...row, token }
}

/** Makes sure `token` is a valid admin token (ORDERFLOW_ADMIN_TOKEN on every start). */
export async function ensureAdminToken(db: Db, token: string) {
  await db
    .insertInto('api_tokens')
    .values({ name: 'admin (ORDERFLOW_ADMIN_TOKEN)', role: 'admin', token_hash: hashToken(token) })
    .onConflict((oc) => oc.column('token_hash').doUpdateSet({ revoked_at: null, role: 'admin' }))
    .execute()
}

export interface Actor {
  tokenId: number
  name: string
  role: Role
}

// Token look-ups are cached for a few seconds: every request needs one, and intake is hot.
// A revoke in this process clears the cache at once; other API processes see it within the TTL.
const CACHE_TTL_MS = 5000
const cache = new Map<string, { actor: Actor | undefined; until: number }>()

export function forgetCachedTokens() {
  cache.clear()
}

export async function findActor(db: Db, token: string): Promise<Actor | undefined> {
  const hash = hashToken(token)
  const hit = cache.get(hash)
  if (hit && hit.until > Date.now()) return hit.actor
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  const actor = row && { tokenId: row.id, name: row.name, role: row.role }
  if (cache.size > 10_000) cache.clear()
  // unknown tokens are not cached: a token created in another process works at once
  if (actor) cache.set(hash, { actor, until: Date.now() + CACHE_TTL_MS })
  return actor
}
