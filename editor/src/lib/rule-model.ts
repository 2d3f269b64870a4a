/**
 * The rule builder's model over json-rules-engine rules as stored in node configs
 * (engine/rules.ts): a condition is `{ fact, path?, operator, value }`, a group has exactly one
 * of `all`, `any` or `not`; a rule fires one `set` or `route` event.
 */
export type FactType = 'number' | 'string' | 'boolean'

export interface FactInfo {
  /** "order.total": fact "order", path "total" */
  id: string
  label: string
  type: FactType
  suggestions?: string[]
}

export const FACTS: FactInfo[] = [
  { id: 'order.total', label: 'Order total', type: 'number' },
  { id: 'order.shippingMethod', label: 'Shipping method', type: 'string', suggestions: ['standard', 'express', 'pickup'] },
  { id: 'order.country', label: 'Shipping country', type: 'string', suggestions: ['GB', 'DE', 'FR', 'NL', 'US'] },
  { id: 'order.channel', label: 'Sales channel', type: 'string', suggestions: ['web', 'shopify', 'woocommerce', 'api'] },
  { id: 'order.itemCount', label: 'Item count', type: 'number' },
  { id: 'customer.orderCount', label: 'Customer order count', type: 'number' },
  { id: 'customer.lifetimeValue', label: 'Customer lifetime value', type: 'number' },
  { id: 'customer.firstOrder', label: 'First order', type: 'boolean' },
  { id: 'products.fragile', label: 'Has fragile products', type: 'boolean' },
  { id: 'products.totalWeightKg', label: 'Total weight (kg)', type: 'number' },
]

export type Operator =
  | 'equal'
  | 'notEqual'
  | 'lessThan'
  | 'lessThanInclusive'
  | 'greaterThan'
  | 'greaterThanInclusive'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'doesNotContain'

export const OPERATOR_LABELS: Record<Operator, string> = {
  equal: 'is',
  notEqual: 'is not',
  lessThan: '<',
  lessThanInclusive: '≤',
  greaterThan: '>',
  greaterThanInclusive: '≥',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  doesNotContain: 'does not contain',
}

export function operatorsFor(type: FactType): Operator[] {
  switch (type) {
    case 'number':
      return ['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive', 'equal', 'notEqual']
    case 'boolean':
      return ['equal', 'notEqual']
    default:
      return ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain']
  }
}

export interface FactCondition {
  fact: string
  path?: string
  operator: Operator
  value: unknown
}

export interface Group {
  all?: Condition[]
  any?: Condition[]
  not?: Condition
}

export type Condition = FactCondition | Group

export interface Rule {
  name: string
  conditions: Group
  event: { type: 'set'; params: Record<string, unknown> } | { type: 'route'; params: { port: string } }
  priority?: number
}

/** Attributes a `set` rule usually sets (free keys are allowed too). */
export const SET_KEYS: { key: string; type: FactType | 'list'; suggestions?: string[] }[] = [
  { key: 'priority', type: 'string', suggestions: ['low', 'normal', 'high', 'urgent'] },
  { key: 'express', type: 'boolean' },
  { key: 'gift', type: 'boolean' },
  { key: 'packagingMaterial', type: 'string', suggestions: ['standard', 'bubble-wrap', 'eco', 'gift-wrap'] },
  { key: 'note', type: 'string' },
  { key: 'carrierService', type: 'string', suggestions: ['standard', 'express', 'next-day'] },
  { key: 'tags', type: 'list' },
]

export function isGroup(c: Condition): c is Group {
  return !('fact' in c)
}

export function groupKind(g: Group): 'all' | 'any' | 'not' {
  return g.all ? 'all' : g.any ? 'any' : g.not ? 'not' : 'all'
}

export function groupChildren(g: Group): Condition[] {
  return g.all ?? g.any ?? (g.not ? [g.not] : [])
}

export function withChildren(kind: 'all' | 'any', children: Condition[]): Group {
  return kind === 'all' ? { all: children } : { any: children }
}

export function factId(c: FactCondition): string {
  return c.path ? `${c.fact}.${c.path}` : c.fact
}

export function factInfo(id: string): FactInfo {
  return FACTS.find((f) => f.id === id) ?? { id, label: id, type: 'string' }
}

/** Split "order.total" into json-rules-engine's fact + path. */
export function splitFact(id: string): { fact: string; path?: string } {
  const dot = id.indexOf('.')
  return dot === -1 ? { fact: id } : { fact: id.slice(0, dot), path: id.slice(dot + 1) }
}

export function newCondition(id = 'order.total'): FactCondition {
  const info = factInfo(id)
  const operator = operatorsFor(info.type)[0]!
  return { ...splitFact(id), operator, value: info.type === 'number' ? 0 : info.type === 'boolean' ? true : '' }
}

export function newRule(routes?: string[], index = 0): Rule {
  return {
    name: `Rule ${index + 1}`,
    conditions: { all: [newCondition()] },
    event: routes?.length ? { type: 'route', params: { port: routes[0]! } } : { type: 'set', params: { priority: 'high' } },
    priority: 1,
  }
}

/** A condition moved to another fact keeps its operator if it fits, else the first that does. */
export function changeFact(c: FactCondition, id: string): FactCondition {
  const info = factInfo(id)
  const ops = operatorsFor(info.type)
  const operator = ops.includes(c.operator) ? c.operator : ops[0]!
  const sameType = factInfo(factId(c)).type === info.type
  return { ...splitFact(id), operator, value: sameType ? c.value : newCondition(id).value }
}

export function changeOperator(c: FactCondition, operator: Operator): FactCondition {
  const list = operator === 'in' || operator === 'notIn'
  const wasList = Array.isArray(c.value)
  let value = c.value
  if (list && !wasList) value = c.value === '' || c.value === undefined ? [] : [c.value]
  if (!list && wasList) value = (c.value as unknown[])[0] ?? ''
  return { ...c, operator, value }
}

/** The text shown in a value box. */
export function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ')
  if (value === undefined || value === null) return ''
  return String(value)
}

/** A typed value from the text of a value box. */
export function parseValue(type: FactType, operator: Operator, raw: string): unknown {
  const one = (s: string): unknown => {
    const t = s.trim()
    if (type === 'number') return t === '' || Number.isNaN(Number(t)) ? t : Number(t)
    if (type === 'boolean') return t === 'true'
    return t
  }
  if (operator === 'in' || operator === 'notIn') return raw.split(',').map(one).filter((v) => v !== '')
  return one(raw)
}

/** "Order total > 100 and Shipping method is express": a one-line reading of a group. */
export function describeGroup(g: Group): string {
  const kind = groupKind(g)
  const parts = groupChildren(g).map((c) =>
    isGroup(c) ? `(${describeGroup(c)})` : `${factInfo(factId(c)).label} ${OPERATOR_LABELS[c.operator] ?? c.operator} ${valueText(c.value)}`,
  )
  if (kind === 'not') return `not ${parts[0] ?? ''}`
  return parts.join(kind === 'all' ? ' and ' : ' or ')
}
