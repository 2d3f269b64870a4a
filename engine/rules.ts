import { Engine, type RuleProperties } from 'json-rules-engine'
import { z } from 'zod'

/**
 * Rules are json-rules-engine rules. A condition compares a fact (optionally at a dotted path)
 * with a value; groups combine them with all/any/not. A rule fires one event:
 * `set` (order attributes such as priority, express, gift, packaging, carrier service, tags)
 * or `route` (choose an output port of a decision node).
 */
export const OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
] as const

export const factConditionSchema = z.object({
  fact: z.string().min(1).describe('order, customer, products, lines'),
  path: z.string().optional().describe('dotted path inside the fact, e.g. "total" or "address.country"'),
  operator: z.enum(OPERATORS),
  value: z.unknown(),
})

export type Condition = z.infer<typeof factConditionSchema> | ConditionGroup
export interface ConditionGroup {
  all?: Condition[]
  any?: Condition[]
  not?: Condition
}

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([factConditionSchema, conditionGroupSchema]),
)
export const conditionGroupSchema: z.ZodType<ConditionGroup> = z.lazy(() =>
  z
    .object({
      all: z.array(conditionSchema).optional(),
      any: z.array(conditionSchema).optional(),
      not: conditionSchema.optional(),
    })
    .refine((g) => [g.all, g.any, g.not].filter((x) => x !== undefined).length === 1, {
      message: 'a condition group has exactly one of "all", "any" or "not"',
    }),
)

export const ruleSchema = z.object({
  name: z.string().min(1).max(200),
  conditions: conditionGroupSchema,
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('set'), params: z.record(z.string(), z.unknown()) }),
    z.object({ type: z.literal('route'), params: z.object({ port: z.string().min(1) }) }),
  ]),
  /** higher runs first; for `route` the first firing rule wins */
  priority: z.number().int().min(1).max(100).default(1),
})
export type Rule = z.infer<typeof ruleSchema>

export interface RuleOutcome {
  fired: { name: string; event: Rule['event'] }[]
  /** every `set` event's params merged, higher priority winning */
  set: Record<string, unknown>
  /** the port of the highest-priority `route` rule that fired */
  route: string | undefined
}

/** Dot paths ("address.country", "$.total") instead of JSONPath: ~3x faster (see STACK.md). */
function pathResolver(value: unknown, path: string): unknown {
  let current = value
  for (const key of path.replace(/^\$\.?/, '').split('.')) {
    if (key === '') continue
    if (current === null || typeof current !== 'object') return undefined
    if (!Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** Builds one json-rules-engine per distinct rule set and reuses it (building is the slow part). */
export class RuleEngineCache {
  private engines = new Map<string, Engine>()
  constructor(private readonly maxEngines = 500) {}

  async evaluate(rules: Rule[], facts: Record<string, unknown>): Promise<RuleOutcome> {
    const engine = this.engineFor(rules)
    const { events, results } = await engine.run({ ...facts })
    const firedRules = results.map((r) => rules[Number(r.name)]!).sort((a, b) => b.priority - a.priority)
    const set: Record<string, unknown> = {}
    for (const rule of [...firedRules].reverse()) {
      if (rule.event.type === 'set') Object.assign(set, rule.event.params)
    }
    const routeRule = firedRules.find((r) => r.event.type === 'route')
    void events
    return {
      fired: firedRules.map((r) => ({ name: r.name, event: r.event })),
      set,
      route: routeRule?.event.type === 'route' ? routeRule.event.params.port : undefined,
    }
  }

  private engineFor(rules: Rule[]): Engine {
    const key = JSON.stringify(rules)
    let engine = this.engines.get(key)
    if (!engine) {
      engine = new Engine([], { allowUndefinedFacts: true, pathResolver })
      rules.forEach((rule, index) => {
        // the rule's index is its name inside the engine, so results map back without lookups
        engine!.addRule({
          name: String(index),
          priority: rule.priority,
          conditions: rule.conditions,
          event: { type: rule.event.type, params: rule.event.params },
        } as RuleProperties)
      })
      if (this.engines.size >= this.maxEngines) this.engines.delete(this.engines.keys().next().value!)
      this.engines.set(key, engine)
    }
    return engine
  }
}
