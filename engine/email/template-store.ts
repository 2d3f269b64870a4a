import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { defaultTemplates, sampleExtraFor } from './default-templates.ts'
import {
  compileTemplate,
  type RenderedEmail,
  renderCompiled,
  renderTemplateWith,
  type TemplateSource,
} from './render.ts'
import { sanitizePool } from './sanitize-pool.ts'
import { sampleOrder, templateData } from './template-data.ts'

/** One stored version of a template; versions are immutable, the highest is live. */
export interface StoredTemplate extends TemplateSource {
  key: string
  version: number
  name: string
  createdBy: string
  createdAt: Date
}

/** Inserts version 1 of every shipped template missing from the database; returns their keys. */
export async function seedTemplates(db: Executor): Promise<string[]> {
  const rows = defaultTemplates().map((t) => ({
    key: t.key,
    version: 1,
    name: t.name,
    subject: t.subject,
    html: t.html,
    text: t.text,
    created_by: 'system',
  }))
  // version 1 exists whenever any version does, so this never touches a merchant's edits and
  // stays safe when several processes start at once
  const inserted = await db
    .insertInto('email_templates')
    .values(rows)
    .onConflict((oc) => oc.columns(['key', 'version']).doNothing())
    .returning('key')
    .execute()
  return inserted.map((r) => r.key)
}

export async function latestTemplate(db: Executor, key: string): Promise<StoredTemplate | undefined> {
  const row = await db
    .selectFrom('email_templates')
    .selectAll()
    .where('key', '=', key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row && toStored(row)
}

let cache = { stamp: '', byKey: new Map<string, StoredTemplate | undefined>() }

/**
 * The live version of `key` from this process's cache, valid while `stamp` (the templates'
 * count and newest save, read by the caller in its transaction) is unchanged: any save, in any
 * process, changes it. An entry is read after some transaction saw its stamp, so it is never
 * older than what that stamp describes.
 */
async function cachedLatestTemplate(db: Executor, key: string, stamp: string) {
  if (cache.stamp !== stamp) cache = { stamp, byKey: new Map() }
  const entries = cache.byKey
  if (entries.has(key)) return entries.get(key)
  const template = await latestTemplate(db, key)
  entries.set(key, template)
  return template
}

/** The live version of every template, by key. */
export async function listTemplates(
  db: Executor,
): Promise<{ key: string; name: string; version: number; updatedAt: Date }[]> {
  const rows = await db
    .selectFrom('email_templates')
    .distinctOn('key')
    .select(['key', 'name', 'version', 'created_at'])
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute()
  return rows.map((r) => ({ key: r.key, name: r.name, version: r.version, updatedAt: r.created_at }))
}

/**
 * Checks a template the way it will be used: allow-list, compile, and a strict render against
 * the sample order with the extra data this email expects. Throws TemplateError.
 */
export function validateTemplate(key: string, src: TemplateSource): RenderedEmail {
  return renderCompiled(compileTemplate(src), templateData(sampleOrder(), sampleExtraFor(key)))
}

/**
 * Saves an edit as the next version. Validation comes first and throws TemplateError, so a
 * broken edit never becomes live and the previous version keeps being sent. Joins the caller's
 * transaction when given one (e.g. to write the audit log with it).
 */
export async function saveTemplate(
  db: Executor,
  key: string,
  src: { subject: string; html: string; text?: string },
  actor: string,
): Promise<StoredTemplate> {
  const source = { subject: src.subject, html: src.html, text: src.text ?? '' }
  validateTemplate(key, source)
  const insert = async (tx: Executor) => {
    // serialises saves of one key, so two merchants saving at once get versions n+1 and n+2
    await sql`select pg_advisory_xact_lock(hashtext(${`email_template:${key}`}))`.execute(tx)
    const latest = await latestTemplate(tx, key)
    const name = latest?.name ?? defaultTemplates().find((t) => t.key === key)?.name ?? key
    const row = await tx
      .insertInto('email_templates')
      .values({ key, version: (latest?.version ?? 0) + 1, name, ...source, created_by: actor })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toStored(row)
  }
  return db.isTransaction ? insert(db) : db.transaction().execute(insert)
}

/**
 * Renders the live version of `key`. Compiled templates are cached per (key, version), so after
 * a save (in any process) the next render picks up the new version.
 */
export async function renderLatest(
  db: Executor,
  key: string,
  data: Record<string, unknown>,
  stamp?: string,
): Promise<{ template: StoredTemplate; email: RenderedEmail } | undefined> {
  const template = stamp === undefined ? await latestTemplate(db, key) : await cachedLatestTemplate(db, key, stamp)
  if (!template) return undefined
  return { template, email: await renderTemplateWith(template, data, sanitizePool.sanitize) }
}

function toStored(row: {
  key: string
  version: number
  name: string
  subject: string
  html: string
  text: string
  created_by: string
  created_at: Date
}): StoredTemplate {
  return {
    key: row.key,
    version: row.version,
    name: row.name,
    subject: row.subject,
    html: row.html,
    text: row.text,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }
}
