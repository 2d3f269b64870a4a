import { describe, expect, test } from 'vitest'
import type { JsonSchema } from './api-types.ts'
import { buildForm, checkValue, defaultConfig, getAt, humanize, setAt } from './schema-form.ts'

// shapes as zod 4's z.toJSONSchema writes them for the node configs in nodes/
const waitSchema: JsonSchema = {
  type: 'object',
  properties: {
    events: { default: [], description: 'Event types that end the wait', type: 'array', items: { type: 'string', minLength: 1 } },
    timeoutMs: { description: 'Duration in milliseconds', type: 'integer', minimum: 0 },
  },
}
const packSchema: JsonSchema = {
  type: 'object',
  properties: {
    boxes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          lengthCm: { type: 'number', exclusiveMinimum: 0 },
          maxWeightKg: { type: 'number', minimum: 0 },
        },
        required: ['name', 'lengthCm'],
      },
    },
    material: { type: 'string', enum: ['paper', 'bubble-wrap'], default: 'paper' },
    verify: { type: 'boolean', default: true },
    address: { $ref: '#/$defs/addr' },
    rules: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, conditions: {}, event: {} } } },
    weird: { anyOf: [{ type: 'string' }, { type: 'number' }] },
  },
  required: ['boxes'],
  $defs: { addr: { type: 'object', properties: { city: { type: 'string' } } } },
}

describe('buildForm', () => {
  test('maps the schema to field kinds, units and durations', () => {
    const f = buildForm(packSchema).fields
    const kinds = Object.fromEntries(f.map((x) => [x.key, x.kind]))
    expect(kinds).toEqual({ boxes: 'object-list', material: 'enum', verify: 'boolean', address: 'object', rules: 'rules', weird: 'json' })
    const boxes = f[0]!
    expect(boxes.kind === 'object-list' && boxes.item.fields.map((x) => [x.key, x.kind, x.kind === 'number' ? x.unit : undefined])).toEqual([
      ['name', 'string', undefined],
      ['lengthCm', 'number', 'cm'],
      ['maxWeightKg', 'number', 'kg'],
    ])
    expect(buildForm(waitSchema).fields.map((x) => x.kind)).toEqual(['string-list', 'duration'])
  })

  test('defaults come from the schema', () => {
    expect(defaultConfig(waitSchema)).toEqual({ events: [] })
    expect(defaultConfig(packSchema)).toEqual({ boxes: [], material: 'paper', verify: true })
  })
})

test('checkValue gives instant feedback', () => {
  const [events, timeout] = buildForm(waitSchema).fields
  expect(checkValue(timeout!, -1)).toBe('At least 0')
  expect(checkValue(timeout!, 1.5)).toBeUndefined() // durations are converted, so any ms count goes
  expect(checkValue(events!, ['packed'])).toBeUndefined()
  const email = buildForm({ type: 'object', properties: { to: { type: 'string', format: 'email' } } }).fields[0]!
  expect(checkValue(email, 'nope')).toBe('Not an email address')
})

test('setAt and getAt work on nested config paths without mutating', () => {
  const before = { boxes: [{ name: 'S' }] }
  const after = setAt(before, ['boxes', 0, 'lengthCm'], 20)
  expect(after).toEqual({ boxes: [{ name: 'S', lengthCm: 20 }] })
  expect(before).toEqual({ boxes: [{ name: 'S' }] })
  expect(getAt(after, ['boxes', 0, 'lengthCm'])).toBe(20)
})

test('humanize', () => {
  expect(humanize('maxWeightKg')).toBe('Max weight')
  expect(humanize('timeoutMs')).toBe('Timeout')
})
