import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TemplateSource } from './render.ts'

export const TEMPLATES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates')

export interface DefaultTemplate extends TemplateSource {
  key: string
  name: string
  description: string
  /** the per-email data this email expects, used for previews and for validating edits */
  sampleExtra: Record<string, unknown>
}

interface IndexEntry {
  key: string
  name: string
  description?: string
  sampleExtra?: Record<string, unknown>
}

let cache: DefaultTemplate[] | undefined

/** The templates shipped in templates/ (listed in templates/index.json), read once. */
export function defaultTemplates(): DefaultTemplate[] {
  if (cache) return cache
  const index = JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, 'index.json'), 'utf8')) as IndexEntry[]
  cache = index.map((entry) => {
    const read = (file: string) => fs.readFileSync(path.join(TEMPLATES_DIR, entry.key, file), 'utf8')
    return {
      key: entry.key,
      name: entry.name,
      description: entry.description ?? '',
      sampleExtra: entry.sampleExtra ?? {},
      // a subject is one line: the file's trailing newline is not part of it
      subject: read('subject.hbs').trim(),
      html: read('html.hbs'),
      text: read('text.hbs'),
    }
  })
  return cache
}

/**
 * Sample extra data for previews and validation of `key`. A merchant's own template (a key not
 * shipped) gets every default's extras merged, so it may use any of the well-known fields.
 */
export function sampleExtraFor(key: string): Record<string, unknown> {
  const known = defaultTemplates().find((t) => t.key === key)
  if (known) return known.sampleExtra
  return Object.assign({}, ...defaultTemplates().map((t) => t.sampleExtra))
}

/** The shop layout that wraps every HTML body (ours, not merchant-editable). */
export function layoutSource(): string {
  return fs.readFileSync(path.join(TEMPLATES_DIR, 'partials', 'layout.hbs'), 'utf8')
}
