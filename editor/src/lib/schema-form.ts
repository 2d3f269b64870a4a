import type { JsonSchema } from './api-types.ts'

/**
 * A form model from a node type's JSON Schema (zod 4 `z.toJSONSchema` output). Each field knows
 * how to render and check itself; anything the model does not understand becomes a JSON field,
 * and `rules` arrays (json-rules-engine rules) get the rule builder.
 */
export type Field =
  | (Base & { kind: 'string'; format?: string; pattern?: string; minLength?: number; maxLength?: number; multiline: boolean })
  | (Base & { kind: 'number'; integer: boolean; minimum?: number; maximum?: number; unit?: string })
  | (Base & { kind: 'duration'; minimum?: number; maximum?: number })
  | (Base & { kind: 'boolean' })
  | (Base & { kind: 'enum'; options: (string | number)[] })
  | (Base & { kind: 'string-list'; minItems?: number; itemPattern?: string })
  | (Base & { kind: 'object-list'; item: ObjectField; minItems?: number })
  | ObjectField
  | (Base & { kind: 'rules' })
  | (Base & { kind: 'json' })

export interface Base {
  key: string
  title: string
  description?: string
  required: boolean
  default?: unknown
}

export interface ObjectField extends Base {
  kind: 'object'
  fields: Field[]
}

/** Units read from the key's suffix (`maxWeightKg`), the habit of the node schemas. */
const UNIT_SUFFIXES: [RegExp, string][] = [
  [/Kg$/, 'kg'],
  [/G$/, 'g'],
  [/Cm$/, 'cm'],
  [/Mm$/, 'mm'],
  [/Pct$|Percent$/, '%'],
  [/Minutes$/, 'min'],
  [/Hours$/, 'h'],
  [/Days$/, 'days'],
  [/Seconds$|Sec$/, 's'],
]

export function buildForm(schema: JsonSchema): ObjectField {
  const root = schema
  const field = toField('', schema, root, true, 0)
  if (field.kind === 'object') return field
  return { kind: 'object', key: '', title: '', required: true, fields: [field] }
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let s = schema
  for (let i = 0; s.$ref && i < 10; i++) {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref)
    const target = m ? (root as Record<string, Record<string, JsonSchema> | undefined>)[m[1]!]?.[m[2]!] : undefined
    if (!target) break
    s = { ...target, ...withoutRef(s) }
  }
  // optional wrappers: anyOf [X, null] → X
  const alts = s.anyOf ?? s.oneOf
  if (alts) {
    const nonNull = alts.filter((a) => a.type !== 'null')
    if (nonNull.length === 1) return resolve({ ...nonNull[0]!, description: s.description ?? nonNull[0]!.description, default: s.default ?? nonNull[0]!.default }, root)
  }
  return s
}

function withoutRef(s: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = s
  return rest
}

function typeOf(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null')
  return s.type
}

export function isRulesSchema(key: string, s: JsonSchema, root: JsonSchema): boolean {
  if (typeOf(s) !== 'array' || !s.items) return false
  const item = resolve(s.items, root)
  const props = item.properties ?? {}
  return key === 'rules' || ('conditions' in props && 'event' in props)
}

function toField(key: string, raw: JsonSchema, root: JsonSchema, required: boolean, depth: number): Field {
  const s = resolve(raw, root)
  const base: Base = { key, title: s.title ?? humanize(key), description: s.description, required, default: s.default }
  const type = typeOf(s)
  if (depth > 6) return { ...base, kind: 'json' }
  if (s.enum && s.enum.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return { ...base, kind: 'enum', options: s.enum as (string | number)[] }
  }
  if (isRulesSchema(key, s, root)) return { ...base, kind: 'rules' }
  switch (type) {
    case 'string':
      return {
        ...base,
        kind: 'string',
        format: s.format,
        pattern: s.pattern,
        minLength: s.minLength,
        maxLength: s.maxLength,
        multiline: (s.maxLength ?? 0) > 200 || /note|message|body|html|text$/i.test(key),
      }
    case 'integer':
    case 'number': {
      if (/Ms$/.test(key)) return { ...base, kind: 'duration', minimum: s.minimum, maximum: s.maximum }
      const unit = UNIT_SUFFIXES.find(([re]) => re.test(key))?.[1]
      return { ...base, kind: 'number', integer: type === 'integer', minimum: s.minimum ?? s.exclusiveMinimum, maximum: s.maximum ?? s.exclusiveMaximum, unit }
    }
    case 'boolean':
      return { ...base, kind: 'boolean' }
    case 'array': {
      const item = s.items ? resolve(s.items, root) : undefined
      if (item && typeOf(item) === 'string' && !item.enum) return { ...base, kind: 'string-list', minItems: s.minItems, itemPattern: item.pattern }
      if (item && typeOf(item) === 'object' && item.properties) {
        const obj = toField('', item, root, true, depth + 1)
        if (obj.kind === 'object') return { ...base, kind: 'object-list', item: obj, minItems: s.minItems }
      }
      return { ...base, kind: 'json' }
    }
    case 'object': {
      if (!s.properties) return { ...base, kind: 'json' }
      const req = new Set(s.required ?? [])
      return {
        ...base,
        kind: 'object',
        fields: Object.entries(s.properties).map(([k, v]) => toField(k, v, root, req.has(k), depth + 1)),
      }
    }
    default:
      return { ...base, kind: 'json' }
  }
}

/** "maxWeightKg" → "Max weight", "timeoutMs" → "Timeout". */
export function humanize(key: string): string {
  if (!key) return ''
  const stripped = key.replace(/(Ms|Kg|Cm|Mm|Pct)$/, '') || key
  const words = stripped.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** A fresh value for a field: its default, else an empty value of its kind. */
export function emptyValue(field: Field): unknown {
  if (field.default !== undefined) return structuredClone(field.default)
  switch (field.kind) {
    case 'string':
      return ''
    case 'boolean':
      return false
    case 'string-list':
    case 'object-list':
    case 'rules':
      return []
    case 'object':
      return Object.fromEntries(field.fields.filter((f) => f.required || f.default !== undefined).map((f) => [f.key, emptyValue(f)]))
    default:
      return undefined
  }
}

/** The config a new node starts with: every default of its schema. */
export function defaultConfig(schema: JsonSchema): Record<string, unknown> {
  const form = buildForm(schema)
  const out: Record<string, unknown> = {}
  for (const f of form.fields) {
    if (f.default !== undefined) out[f.key] = structuredClone(f.default)
    else if (f.required && (f.kind === 'string-list' || f.kind === 'object-list' || f.kind === 'rules')) out[f.key] = []
  }
  return out
}

/** What is wrong with one value, checked in the browser for instant feedback (the server has the last word). */
export function checkValue(field: Field, value: unknown): string | undefined {
  const empty = value === undefined || value === null || value === ''
  if (empty) return field.required && field.kind !== 'boolean' ? 'Required' : undefined
  switch (field.kind) {
    case 'string': {
      const v = String(value)
      if (field.minLength !== undefined && v.length < field.minLength) return `At least ${field.minLength} characters`
      if (field.maxLength !== undefined && v.length > field.maxLength) return `At most ${field.maxLength} characters`
      if (field.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'Not an email address'
      if (field.pattern && field.format !== 'email' && !safeTest(field.pattern, v)) return `Must match ${field.pattern}`
      return undefined
    }
    case 'number':
    case 'duration': {
      if (typeof value !== 'number' || Number.isNaN(value)) return 'Not a number'
      if (field.kind === 'number' && field.integer && !Number.isInteger(value)) return 'A whole number'
      if (field.minimum !== undefined && value < field.minimum) return `At least ${field.minimum}`
      if (field.maximum !== undefined && value > field.maximum) return `At most ${field.maximum}`
      return undefined
    }
    case 'string-list': {
      if (!Array.isArray(value)) return 'Not a list'
      if (field.minItems !== undefined && value.length < field.minItems) return `At least ${field.minItems} entr${field.minItems === 1 ? 'y' : 'ies'}`
      const bad = field.itemPattern ? value.find((v) => !safeTest(field.itemPattern!, String(v))) : undefined
      return bad !== undefined ? `"${bad}" does not match ${field.itemPattern}` : undefined
    }
    case 'object-list':
      if (!Array.isArray(value)) return 'Not a list'
      if (field.minItems !== undefined && value.length < field.minItems) return `At least ${field.minItems} entries`
      return undefined
    default:
      return undefined
  }
}

function safeTest(pattern: string, v: string): boolean {
  try {
    return new RegExp(pattern).test(v)
  } catch {
    return true
  }
}

/** Durations edited in a handy unit, stored in milliseconds. */
export const DURATION_UNITS = [
  { id: 'min', label: 'minutes', ms: 60_000 },
  { id: 'h', label: 'hours', ms: 3_600_000 },
  { id: 'd', label: 'days', ms: 86_400_000 },
  { id: 's', label: 'seconds', ms: 1000 },
] as const

export function bestDurationUnit(ms: number | undefined): (typeof DURATION_UNITS)[number] {
  if (!ms) return DURATION_UNITS[1]
  for (const u of [DURATION_UNITS[2], DURATION_UNITS[1], DURATION_UNITS[0], DURATION_UNITS[3]]) if (ms % u.ms === 0) return u
  return DURATION_UNITS[3]
}

/** Immutable set at a dotted/indexed path: setAt({a:[{b:1}]}, ['a',0,'b'], 2). */
export function setAt<T>(obj: T, path: readonly (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T
  const [head, ...rest] = path
  const container: Record<string | number, unknown> | unknown[] = Array.isArray(obj)
    ? [...obj]
    : { ...((obj as Record<string, unknown>) ?? {}) }
  const child = (container as Record<string | number, unknown>)[head!]
  const next = setAt(child, rest, value)
  if (next === undefined && !Array.isArray(container)) delete (container as Record<string, unknown>)[head as string]
  else (container as Record<string | number, unknown>)[head!] = next
  return container as T
}

export function getAt(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[key]
  }
  return cur
}
