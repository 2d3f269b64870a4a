import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { chooseBoxes } from '../warehouse/boxes.ts'
import { CATALOGUE, STANDARD_BOXES, seedCatalogue } from './catalogue.ts'

const t = await createTestDb()
afterAll(() => t.close())

describe('demo catalogue', () => {
  it('has ~50 products over four zones with unique SKUs and bins, five boxes', () => {
    expect(CATALOGUE.length).toBe(50)
    expect(new Set(CATALOGUE.map((p) => p.zone))).toEqual(new Set(['A', 'B', 'C', 'D']))
    expect(new Set(CATALOGUE.map((p) => p.sku)).size).toBe(50)
    expect(new Set(CATALOGUE.map((p) => p.bin)).size).toBe(50)
    expect(STANDARD_BOXES).toHaveLength(5)
  })

  it('every product but the freight-only bike fits a standard box', () => {
    const unboxable = CATALOGUE.filter((p) => {
      try {
        chooseBoxes([{ ...p, quantity: 1 }], STANDARD_BOXES)
        return false
      } catch {
        return true
      }
    })
    expect(unboxable.map((p) => p.sku)).toEqual(['D-BIKE-01'])
  })

  it('seeds once: a second run inserts nothing and keeps changed stock', async () => {
    expect(await seedCatalogue(t.db)).toEqual({ inserted: 50 })
    await t.db.updateTable('inventory').set({ on_hand: 1 }).where('sku', '=', 'B-MUG-01').execute()
    expect(await seedCatalogue(t.db)).toEqual({ inserted: 0 })
    const mug = await t.db
      .selectFrom('inventory')
      .selectAll()
      .where('sku', '=', 'B-MUG-01')
      .executeTakeFirstOrThrow()
    expect(mug.on_hand).toBe(1)
  })
})
