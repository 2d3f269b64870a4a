import type { Executor } from './db.ts'

/** Appends to the audit log in the caller's transaction: the change and its record commit together. */
export async function audit(db: Executor, actor: string, action: string, target: string, details: Record<string, unknown> = {}) {
  await db.insertInto('audit_log').values({ actor, action, target, details: JSON.stringify(details) }).execute()
}
