import { renderTemplate } from '../engine/email/render.ts'
import { defaultTemplates } from '../engine/email/default-templates.ts'
import { sampleOrder, templateData } from '../engine/email/template-data.ts'
import { orderFacts } from '../engine/rule-facts.ts'
import { RuleEngineCache, type Rule } from '../engine/rules.ts'
import { defaultFlowGraph } from '../engine/seed/default-flow.ts'

/** Rules evaluated per second: the default flow's rule sets through the engine's own cache. */
export async function rulesBench(iterations = 20_000) {
  const ruleSets = defaultFlowGraph()
    .nodes.map((n) => n.config.rules as Rule[] | undefined)
    .filter((r): r is Rule[] => Array.isArray(r) && r.length > 0)
    .map((rules) => rules.map((r) => ({ ...r, priority: r.priority ?? 1 })))
  const cache = new RuleEngineCache()
  const order = sampleOrder()
  const facts = { order: orderFacts(order), customer: { orderCount: 3, lifetimeValue: 250, firstOrder: false }, lines: order.lines }
  const started = performance.now()
  let rules = 0
  for (let i = 0; i < iterations; i++) {
    const set = ruleSets[i % ruleSets.length]!
    await cache.evaluate(set, facts)
    rules += set.length
  }
  const seconds = (performance.now() - started) / 1000
  return { evaluations: iterations, evaluationsPerSecond: iterations / seconds, rulesPerSecond: rules / seconds, ruleSets: ruleSets.length }
}

/** Emails rendered per second: the compiled-and-cached path queueEmail uses. */
export function emailBench(iterations = 20_000) {
  const template = defaultTemplates().find((t) => t.key === 'order-confirmation')!
  const data = templateData(sampleOrder(), {})
  renderTemplate({ ...template, version: 1 }, data) // compile once
  const started = performance.now()
  for (let i = 0; i < iterations; i++) renderTemplate({ ...template, version: 1 }, data)
  const seconds = (performance.now() - started) / 1000
  return { renders: iterations, rendersPerSecond: iterations / seconds }
}
