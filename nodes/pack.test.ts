import { afterAll, describe, expect, it } from 'vitest'
import { StepFailed } from '../engine/errors.ts'
import { confirmPick } from '../engine/warehouse/confirm-pick.ts'
import { NodeHarness, outputOf } from '../engine/warehouse/node-harness.ts'
import { addToPickLists } from '../engine/warehouse/pick-lists.ts'
import { reserveStock } from '../engine/warehouse/reserve-stock.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { pack } from './pack.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [
  { sku: 'VASE', fragile: true, weightG: 1200, dims: [200, 200, 300], onHand: 50 },
  { sku: 'SHIRT', weightG: 200, dims: [300, 220, 20], onHand: 50 },
  { sku: 'KETTLEBELL', weightG: 12000, dims: [220, 180, 280], onHand: 50 },
  { sku: 'CANOE', weightG: 30000, dims: [4000, 800, 400], onHand: 5 },
])

async function ready(
  lines: { sku: string; quantity: number }[],
  attributes: Record<string, unknown> = {},
  scanned?: { sku: string; quantity: number }[],
) {
  const order = await addOrder(t.db, { lines, attributes })
  await t.db.transaction().execute(async (tx) => {
    await reserveStock(tx, order.id, order.lines)
    if (scanned) {
      const { pickListIds } = await addToPickLists(tx, order.id, order.lines, {
        strategy: 'single',
        now: new Date(),
        priority: 0,
      })
      await confirmPick(tx, pickListIds[0]!, scanned, new Date())
    }
  })
  return order
}

describe('pack', () => {
  it('picks the smallest box and plain filling for ordinary goods; slip lists the parcel', async () => {
    const order = await ready([{ sku: 'SHIRT', quantity: 2 }], {}, [{ sku: 'SHIRT', quantity: 2 }])
    const r = await new NodeHarness(t.db, pack, order).start()
    expect(r).toMatchObject({
      port: 'packed',
      output: { parcels: [{ boxId: 'S', weightG: 400 }], material: 'air pillows', inserts: [] },
    })
    expect(order.attributes.pack).toMatchObject({ parcels: [{ boxId: 'S' }] })
    expect(outputOf(r)!.packingSlip).toContain('2 × SHIRT')
  })

  it('protects fragile items, adds the gift insert set by rules, splits heavy orders', async () => {
    const order = await ready(
      [
        { sku: 'VASE', quantity: 1 },
        { sku: 'KETTLEBELL', quantity: 3 },
      ],
      { gift: true, note: 'Enjoy!' },
    )
    const r = await new NodeHarness(t.db, pack, order).start()
    expect(r).toMatchObject({
      port: 'packed',
      output: { material: 'bubble wrap', inserts: ['gift', 'note: Enjoy!'] },
    })
    expect(outputOf(r)!.parcels).toHaveLength(2)
  })

  it('a rule-chosen material wins over fragility', async () => {
    const order = await ready([{ sku: 'VASE', quantity: 1 }], { packaging: 'packing peanuts' })
    expect(await new NodeHarness(t.db, pack, order).start()).toMatchObject({
      output: { material: 'packing peanuts', materialReason: 'set by rules' },
    })
  })

  it('a short pick is a mismatch, recorded as a pack pick error', async () => {
    const order = await ready([{ sku: 'SHIRT', quantity: 3 }], {}, [{ sku: 'SHIRT', quantity: 2 }])
    expect(await new NodeHarness(t.db, pack, order).start()).toMatchObject({
      port: 'mismatch',
      output: { differences: [{ sku: 'SHIRT', expected: 3, actual: 2 }] },
    })
    const errors = await t.db
      .selectFrom('pick_errors')
      .select(['source', 'kind'])
      .where('order_id', '=', order.id)
      .orderBy('id')
      .execute()
    expect(errors).toEqual([
      { source: 'pick', kind: 'short' },
      { source: 'pack', kind: 'short' },
    ])
  })

  it('fails the step with a clear message when no box can take an item', async () => {
    const order = await ready([{ sku: 'CANOE', quantity: 1 }])
    const r = new NodeHarness(t.db, pack, order).start()
    await expect(r).rejects.toBeInstanceOf(StepFailed)
    await expect(new NodeHarness(t.db, pack, order).start()).rejects.toThrow(
      /"CANOE".*fits none of the boxes/,
    )
  })

  it('can wait for the packing station to confirm', async () => {
    const order = await ready([{ sku: 'SHIRT', quantity: 1 }])
    const node = new NodeHarness(t.db, pack, order, { config: { waitForConfirmation: true } })
    expect(await node.start()).toMatchObject({ wait: { events: ['packed'] } })
    expect(await node.event('packed')).toMatchObject({
      port: 'packed',
      output: { parcels: [{ boxId: 'S' }] },
    })
  })
})
