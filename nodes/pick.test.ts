import { afterAll, describe, expect, it } from 'vitest'
import type { Clock } from '../engine/node-contract.ts'
import type { Order } from '../engine/orders/order-model.ts'
import { confirmPick, expectedScan } from '../engine/warehouse/confirm-pick.ts'
import { NodeHarness } from '../engine/warehouse/node-harness.ts'
import { reserveStock } from '../engine/warehouse/reserve-stock.ts'
import { addOrder, addProducts } from '../engine/warehouse/testing.ts'
import { createTestDb } from '../test/test-db.ts'
import { pick } from './pick.ts'

const t = await createTestDb()
afterAll(() => t.close())
await addProducts(t.db, [
  { sku: 'A1', zone: 'A', bin: 'A-01-01', onHand: 1000 },
  { sku: 'B1', zone: 'B', bin: 'B-01-01', onHand: 1000 },
])
let now = new Date('2030-03-01T08:10:00Z')
const clock: Clock = { now: () => now }

async function reservedOrder(
  lines: { sku: string; quantity: number }[],
  attributes: Record<string, unknown> = {},
): Promise<Order> {
  const order = await addOrder(t.db, { lines, attributes })
  await t.db.transaction().execute((tx) => reserveStock(tx, order.id, order.lines))
  return order
}
const confirmAll = async (ids: number[]) => {
  for (const id of ids)
    await t.db.transaction().execute(async (tx) => confirmPick(tx, id, await expectedScan(tx, id), now))
}

describe('pick', () => {
  it('single with auto-confirm: picked straight away', async () => {
    const node = new NodeHarness(t.db, pick, await reservedOrder([{ sku: 'A1', quantity: 2 }]), {
      clock,
      config: { strategy: 'single', autoConfirm: true },
    })
    expect(await node.start()).toMatchObject({ port: 'picked' })
  })

  it('batch: waits for the batch, wakes on `picked` once the list is confirmed', async () => {
    const config = { strategy: 'batch', batchSize: 3, batchWindowMinutes: 30, pollMinutes: 60 }
    const nodes = await Promise.all(
      [1, 2, 3].map(
        async () =>
          new NodeHarness(t.db, pick, await reservedOrder([{ sku: 'A1', quantity: 1 }]), { clock, config }),
      ),
    )
    const first = await nodes[0]!.start()
    expect(first).toMatchObject({ wait: { events: ['picked'], until: new Date('2030-03-01T08:40:00Z') } })
    await nodes[1]!.start()
    await nodes[2]!.start() // the third order fills the batch, which is released
    const listIds = nodes[0]!.state.pickListIds as number[]
    expect(nodes[2]!.state.pickListIds).toEqual(listIds)
    await confirmAll(listIds)
    for (const n of nodes)
      expect(await n.event('picked', { pickListId: listIds[0] })).toMatchObject({ port: 'picked' })
  })

  it('batch: the window releases a list that never filled; priority orders skip the wait', async () => {
    const config = { strategy: 'batch', batchSize: 50, batchWindowMinutes: 15, autoConfirm: true }
    const slow = new NodeHarness(t.db, pick, await reservedOrder([{ sku: 'B1', quantity: 1 }]), {
      clock,
      config,
    })
    expect(await slow.start()).toHaveProperty('wait')
    const rush = new NodeHarness(
      t.db,
      pick,
      await reservedOrder([{ sku: 'B1', quantity: 1 }], { express: true }),
      { clock, config },
    )
    expect(await rush.start()).toMatchObject({ port: 'picked' })
    now = new Date(now.getTime() + 15 * 60_000)
    expect(await slow.timeout()).toMatchObject({ port: 'picked' })
  })

  it('zone: one list per zone; continues only when every zone is picked', async () => {
    const node = new NodeHarness(
      t.db,
      pick,
      await reservedOrder([
        { sku: 'A1', quantity: 1 },
        { sku: 'B1', quantity: 2 },
      ]),
      {
        clock,
        config: { strategy: 'zone', batchSize: 1 },
      },
    )
    await node.start()
    const [a, b] = node.state.pickListIds as number[]
    await confirmAll([a!])
    expect(await node.event('picked')).toHaveProperty('wait')
    await confirmAll([b!])
    expect(await node.event('picked')).toMatchObject({ port: 'picked' })
  })

  it('wave: nothing is released before the wave; then all zones at once', async () => {
    now = new Date('2030-03-02T11:00:00Z')
    const config = { strategy: 'wave', waveTimes: ['12:00', '16:00'], autoConfirm: true, pollMinutes: 240 }
    const x = new NodeHarness(
      t.db,
      pick,
      await reservedOrder([
        { sku: 'A1', quantity: 1 },
        { sku: 'B1', quantity: 1 },
      ]),
      { clock, config },
    )
    const y = new NodeHarness(t.db, pick, await reservedOrder([{ sku: 'B1', quantity: 3 }]), {
      clock,
      config,
    })
    expect(await x.start()).toMatchObject({ wait: { until: new Date('2030-03-02T12:00:00Z') } })
    await y.start()
    now = new Date('2030-03-02T12:00:00Z')
    expect(await x.timeout()).toMatchObject({ port: 'picked' })
    // y's zone-B list was confirmed with x's (same wave, same zone): it sees it on waking
    expect(await y.event('picked')).toMatchObject({ port: 'picked' })
    const lists = await t.db
      .selectFrom('pick_lists')
      .select(['zone', 'released_at'])
      .where('id', 'in', x.state.pickListIds as number[])
      .execute()
    expect(new Set(lists.map((l) => l.released_at?.toISOString()))).toEqual(
      new Set(['2030-03-02T12:00:00.000Z']),
    )
  })
})
