import type { NodeTypeInfo } from './api-types.ts'
import { formatDuration } from './format.ts'
import { humanize } from './schema-form.ts'

/**
 * One or two short lines describing a node's config for its card ("template: order-shipped",
 * "waits for packed · 2 d"). Generic over the schema so new node types need no code here.
 */
export function configSummary(def: NodeTypeInfo | undefined, config: Record<string, unknown>, max = 2): string[] {
  const lines: string[] = []
  const props = def?.configSchema.properties ?? {}
  const keys = [...new Set([...Object.keys(props), ...Object.keys(config)])]
  for (const key of keys) {
    if (lines.length >= max) break
    if (def?.portsFromConfig === key) continue
    const value = config[key]
    const text = describe(key, value)
    if (text) lines.push(text)
  }
  return lines
}

function describe(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const label = humanize(key).toLowerCase()
  if (key === 'rules' && Array.isArray(value)) return value.length ? `${value.length} rule${value.length === 1 ? '' : 's'}` : 'no rules yet'
  if (/Ms$/.test(key) && typeof value === 'number') return `${label}: ${formatDuration(value)}`
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) return `${label}: ${truncate(value.join(', '), 34)}`
    return `${label}: ${value.length} item${value.length === 1 ? '' : 's'}`
  }
  if (typeof value === 'boolean') return value ? label : undefined
  if (typeof value === 'object') return undefined
  return `${label}: ${truncate(String(value), 34)}`
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}
