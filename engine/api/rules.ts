import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { notFound } from '../errors.ts'
import { loadOrder } from '../orders/load-order.ts'
import { buildFacts } from '../rule-facts.ts'
import { type RuleEngineCache, ruleSchema } from '../rules.ts'
import { type Env, guard, readBody } from './guard.ts'

const body = z.object({ rules: z.array(ruleSchema).max(200), orderId: z.number().int().positive().optional() })

export function ruleRoutes({ db, rules }: { db: Db; rules: RuleEngineCache }) {
  const app = new Hono<Env>()
  app.post('/test', guard({ summary: 'Run rules on an order (the newest one by default)', roles: ['operations', 'analyst'], body }), async (c) => {
    const input = await readBody(c, body)
    const id = input.orderId ?? (await db.selectFrom('orders').select('id').orderBy('id', 'desc').executeTakeFirst())?.id
    const outcome = await db.transaction().execute(async (tx) => {
      const order = id === undefined ? undefined : await loadOrder(tx, id)
      if (!order) throw notFound('Order', id ?? 'none')
      const facts = await buildFacts(tx, order)
      return { orderId: order.id, facts, ...(await rules.evaluate(input.rules, facts)) }
    })
    return c.json(outcome)
  })
  return app
}
