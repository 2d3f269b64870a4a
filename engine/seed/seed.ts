import type { Db } from '../db.ts'
import { createFlow, publishFlow } from '../flows/flows.ts'
import { seedCatalogue } from './catalogue.ts'
import { DEFAULT_FLOW_ID, defaultFlowGraph } from './default-flow.ts'

/** First-start data: the default flow (published) and whatever demo data the domain provides. Idempotent. */
export async function seed(db: Db): Promise<{ createdDefaultFlow: boolean }> {
  await seedCatalogue(db)
  const existing = await db.selectFrom('flows').select('id').where('is_default', '=', true).executeTakeFirst()
  if (existing) return { createdDefaultFlow: false }
  await createFlow(db, { id: DEFAULT_FLOW_ID, name: 'Default order process', description: 'Seeded on first start: edit it or draw your own.', graph: defaultFlowGraph(), isDefault: true }, 'system')
  await publishFlow(db, DEFAULT_FLOW_ID, 'Seeded on first start', 'system')
  return { createdDefaultFlow: true }
}
