import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { buildFacts } from '../rule-facts.ts'
import { RuleEngineCache } from '../rules.ts'
import { addOrder, addProducts } from './testing.ts'

const t = await createTestDb()
afterAll(() => t.close())

describe('product facts for rules', () => {
  it('exposes fragility, weight and zones, and rules can test them', async () => {
    await addProducts(t.db, [
      { sku: 'VASE', fragile: true, weightG: 1200, dims: [200, 200, 300], zone: 'B' },
      { sku: 'BOOK', weightG: 500, dims: [240, 160, 40], zone: 'A' },
    ])
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'VASE', quantity: 1 },
        { sku: 'BOOK', quantity: 3 },
        { sku: 'GHOST', quantity: 1 },
      ],
    })
    const facts = await t.db.transaction().execute((tx) => buildFacts(tx, order))
    expect(facts.products).toEqual({
      fragile: true,
      fragileSkus: ['VASE'],
      totalWeightKg: 2.7,
      totalVolumeLitres: 12 + 3 * 1.536,
      maxDimensionMm: 300,
      zones: ['A', 'B'],
      unknownSkus: ['GHOST'],
    })
    const outcome = await new RuleEngineCache().evaluate(
      [
        {
          name: 'fragile → bubble wrap',
          priority: 1,
          conditions: { all: [{ fact: 'products', path: 'fragile', operator: 'equal', value: true }] },
          event: { type: 'set', params: { packaging: 'bubble wrap' } },
        },
        {
          name: 'heavy',
          priority: 1,
          conditions: {
            all: [{ fact: 'products', path: 'totalWeightKg', operator: 'greaterThan', value: 10 }],
          },
          event: { type: 'set', params: { carrierService: 'freight' } },
        },
      ],
      facts,
    )
    expect(outcome.set).toEqual({ packaging: 'bubble wrap' })
  })
})
