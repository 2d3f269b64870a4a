import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import type { Tx } from '../db.ts'
import { confirmExactPick, confirmPick, expectedScan, pickedForOrder } from './confirm-pick.ts'
import {
  addToPickLists,
  insertLinesIfOpen,
  nextPickList,
  orderPickState,
  type PickOptions,
  releaseDueLists,
} from './pick-lists.ts'
import { addOrder, addProducts } from './testing.ts'
import { nextWave } from './waves.ts'

const t = await createTestDb()
afterAll(() => t.close())
beforeAll(() =>
  addProducts(t.db, [
    { sku: 'P-A1', zone: 'A', bin: 'A-01-01', onHand: 100 },
    { sku: 'P-A2', zone: 'A', bin: 'A-02-03', onHand: 100 },
    { sku: 'P-B1', zone: 'B', bin: 'B-01-01', onHand: 100 },
    { sku: 'P-C1', zone: 'C', bin: 'C-04-02', onHand: 100 },
  ]),
)

const t0 = new Date('2030-01-01T10:05:00Z')
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000)
const tx = <T>(fn: (x: Tx) => Promise<T>) => t.db.transaction().execute(fn)
async function place(
  lines: { sku: string; quantity: number }[],
  opts: Partial<PickOptions> & Pick<PickOptions, 'strategy'>,
) {
  const order = await addOrder(t.db, { lines })
  const a = await tx((x) => addToPickLists(x, order.id, lines, { now: t0, priority: 0, ...opts }))
  return { order, ...a }
}
const status = async (id: number) =>
  (await t.db.selectFrom('pick_lists').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

describe('pick lists', () => {
  it('single: one released list per order, lines sorted into their bins', async () => {
    const { pickListIds, releaseAt } = await place(
      [
        { sku: 'P-B1', quantity: 1 },
        { sku: 'P-A1', quantity: 2 },
      ],
      { strategy: 'single' },
    )
    expect(pickListIds).toHaveLength(1)
    expect(releaseAt).toBeNull()
    expect(await status(pickListIds[0]!)).toBe('released')
  })

  it('batch: released when N orders have joined', async () => {
    const placed = []
    for (let i = 0; i < 3; i++)
      placed.push(await place([{ sku: 'P-A1', quantity: 1 }], { strategy: 'batch', batchSize: 3 }))
    const ids = new Set(placed.map((p) => p.pickListIds[0]))
    expect(ids.size).toBe(1)
    expect(placed[0]!.releaseAt).toEqual(at(15))
    expect(await status(placed[0]!.pickListIds[0]!)).toBe('released')
    // the next order opens a new batch
    const fourth = await place([{ sku: 'P-A1', quantity: 1 }], { strategy: 'batch', batchSize: 3 })
    expect(fourth.pickListIds[0]).not.toBe(placed[0]!.pickListIds[0])
    expect(await status(fourth.pickListIds[0]!)).toBe('open')
  })

  it('batch: concurrent orders fill batches exactly, never two half-empty ones', async () => {
    await tx((x) => releaseDueLists(x, at(10_000)))
    const placed = await Promise.all(
      Array.from({ length: 10 }, () =>
        place([{ sku: 'P-B1', quantity: 1 }], { strategy: 'batch', batchSize: 5, priority: -10 }),
      ),
    )
    const lists = new Set(placed.map((p) => p.pickListIds[0]))
    expect(lists.size).toBe(2)
    for (const id of lists) expect(await status(id!)).toBe('released')
  })

  it('batch: ...or when T minutes have passed, by the injected clock', async () => {
    await tx((x) => releaseDueLists(x, at(99))) // the batch left open above
    const a = await place([{ sku: 'P-A2', quantity: 1 }], {
      strategy: 'batch',
      batchSize: 50,
      batchWindowMs: 5 * 60_000,
      now: at(100),
    })
    const b = await place([{ sku: 'P-A2', quantity: 1 }], {
      strategy: 'batch',
      batchSize: 50,
      batchWindowMs: 5 * 60_000,
      now: at(102),
    })
    expect(b.pickListIds).toEqual(a.pickListIds)
    expect(await tx((x) => releaseDueLists(x, at(104)))).not.toContain(a.pickListIds[0])
    expect(await tx((x) => releaseDueLists(x, at(105)))).toContain(a.pickListIds[0])
  })

  it('priority orders are released at once and picked first', async () => {
    const normal = await place([{ sku: 'P-A1', quantity: 1 }], { strategy: 'single' })
    const rush = await place([{ sku: 'P-A1', quantity: 1 }], {
      strategy: 'batch',
      batchSize: 10,
      priority: 10,
    })
    expect(await status(rush.pickListIds[0]!)).toBe('released')
    expect(await tx((x) => nextPickList(x))).toBe(rush.pickListIds[0])
    await tx(async (x) =>
      confirmPick(x, rush.pickListIds[0]!, await expectedScan(x, rush.pickListIds[0]!), t0),
    )
    expect(await tx((x) => nextPickList(x))).not.toBe(normal.pickListIds[0]) // older released lists first
  })

  it('zone: one list per zone; the order is picked when all its zones are', async () => {
    const lines = [
      { sku: 'P-A1', quantity: 1 },
      { sku: 'P-B1', quantity: 2 },
      { sku: 'P-C1', quantity: 1 },
    ]
    const first = await place(lines, { strategy: 'zone', batchSize: 2 })
    const second = await place([{ sku: 'P-B1', quantity: 1 }], { strategy: 'zone', batchSize: 2 })
    expect(first.pickListIds).toHaveLength(3)
    expect(second.pickListIds).toEqual([first.pickListIds[1]]) // joins zone B's list, which is now full
    const zones = await t.db
      .selectFrom('pick_lists')
      .select(['id', 'zone', 'status'])
      .where('id', 'in', first.pickListIds)
      .orderBy('id')
      .execute()
    expect(zones.map((z) => [z.zone, z.status])).toEqual([
      ['A', 'open'],
      ['B', 'released'],
      ['C', 'open'],
    ])
    const b = await tx(async (x) =>
      confirmPick(x, first.pickListIds[1]!, await expectedScan(x, first.pickListIds[1]!), t0),
    )
    expect(b.completedOrders).toEqual([second.order.id])
    expect((await tx((x) => orderPickState(x, first.order.id))).allPicked).toBe(false)
    await tx((x) => releaseDueLists(x, at(15)))
    await tx(async (x) =>
      confirmPick(x, first.pickListIds[0]!, await expectedScan(x, first.pickListIds[0]!), t0),
    )
    const c = await tx(async (x) =>
      confirmPick(x, first.pickListIds[2]!, await expectedScan(x, first.pickListIds[2]!), t0),
    )
    expect(c.completedOrders).toEqual([first.order.id])
    expect((await tx((x) => orderPickState(x, first.order.id))).allPicked).toBe(true)
  })

  it('wave: orders wait for the scheduled wave, which releases all its zones at once', async () => {
    const waves = { times: ['09:00', '13:00'] }
    expect(nextWave(t0, waves)).toEqual(new Date('2030-01-01T13:00:00Z'))
    expect(nextWave(new Date('2030-01-01T13:00:00Z'), waves)).toEqual(new Date('2030-01-02T09:00:00Z'))
    expect(nextWave(t0, { everyMinutes: 30 })).toEqual(new Date('2030-01-01T10:30:00Z'))
    const a = await place(
      [
        { sku: 'P-A1', quantity: 1 },
        { sku: 'P-C1', quantity: 1 },
      ],
      { strategy: 'wave', waves },
    )
    const b = await place([{ sku: 'P-C1', quantity: 3 }], { strategy: 'wave', waves, priority: 10 })
    expect(a.releaseAt).toEqual(new Date('2030-01-01T13:00:00Z'))
    expect(b.pickListIds).toEqual([a.pickListIds[1]])
    expect(await tx((x) => releaseDueLists(x, new Date('2030-01-01T12:59:59Z')))).toEqual([])
    expect(await tx((x) => releaseDueLists(x, new Date('2030-01-01T13:00:00Z')))).toEqual(
      expect.arrayContaining(a.pickListIds),
    )
    const wave = await t.db
      .selectFrom('pick_lists')
      .select(['wave', 'priority'])
      .where('id', 'in', a.pickListIds)
      .orderBy('id')
      .execute()
    expect(wave).toEqual([
      { wave: '2030-01-01T13:00:00.000Z', priority: 0 },
      { wave: '2030-01-01T13:00:00.000Z', priority: 10 },
    ])
  })

  it('confirmPick records short, over and wrong-item errors and refuses a second confirmation', async () => {
    const { order, pickListIds } = await place(
      [
        { sku: 'P-A1', quantity: 2 },
        { sku: 'P-B1', quantity: 1 },
      ],
      { strategy: 'single' },
    )
    const id = pickListIds[0]!
    const r = await tx((x) =>
      confirmPick(
        x,
        id,
        [
          { sku: 'P-A1', quantity: 1 },
          { sku: 'P-B1', quantity: 2 },
          { sku: 'P-C1', quantity: 1 },
        ],
        t0,
      ),
    )
    expect(r.errors).toEqual([
      { sku: 'P-A1', orderId: order.id, expected: 2, actual: 1, kind: 'short' },
      { sku: 'P-B1', orderId: order.id, expected: 1, actual: 2, kind: 'over' },
      { sku: 'P-C1', orderId: order.id, expected: 0, actual: 1, kind: 'wrong_item' },
    ])
    expect(
      await t.db.selectFrom('pick_errors').selectAll().where('pick_list_id', '=', id).execute(),
    ).toHaveLength(3)
    expect(Object.fromEntries(await tx((x) => pickedForOrder(x, order.id)))).toEqual({ 'P-A1': 1, 'P-B1': 1 })
    await expect(tx((x) => confirmPick(x, id, [], t0))).rejects.toThrow(/already confirmed/)
    await expect(tx((x) => confirmPick(x, 999999, [], t0))).rejects.toThrow(/does not exist/)
  })
  it('confirmExactPick leaves a list exactly as confirmPick with the expected scan does', async () => {
    // two identical set-ups: zone lists where order 2 also waits on a second zone
    async function setUp(priority: number) {
      const opts = { strategy: 'zone' as const, batchSize: 2, priority }
      const o1 = await place([{ sku: 'P-A1', quantity: 2 }], opts)
      const o2 = await place([{ sku: 'P-A2', quantity: 1 }, { sku: 'P-B1', quantity: 1 }], opts)
      const listA = o1.pickListIds[0]!
      expect(await status(listA)).toBe('released')
      return { listA, orders: [o1.order.id, o2.order.id] }
    }
    const lines = (listId: number) =>
      t.db.selectFrom('pick_list_lines').select(['sku', 'quantity', 'picked_quantity']).where('pick_list_id', '=', listId).orderBy('id').execute()
    const errors = (listId: number) => t.db.selectFrom('pick_errors').select('id').where('pick_list_id', '=', listId).execute()

    const a = await setUp(-1)
    const full = await tx(async (x) => confirmPick(x, a.listA, await expectedScan(x, a.listA), t0))
    const b = await setUp(-2)
    const exact = await tx((x) => confirmExactPick(x, b.listA, t0))

    expect(full.errors).toEqual([])
    expect(full.orderIds).toEqual(a.orders)
    expect(full.completedOrders).toEqual([a.orders[0]])
    expect(exact).toEqual({ orderIds: b.orders, completedOrders: [b.orders[0]] })
    expect(await status(b.listA)).toBe(await status(a.listA))
    expect(await lines(b.listA)).toEqual(await lines(a.listA))
    expect(await errors(b.listA)).toEqual(await errors(a.listA))
    // a second confirmation finds the list picked already
    expect(await tx((x) => confirmExactPick(x, b.listA, t0))).toBeUndefined()
  })

  it('lines join a list only while it is open (jobs sharing a transaction share its lock)', async () => {
    const first = await place([{ sku: 'P-C1', quantity: 1 }], { strategy: 'batch', batchSize: 50 })
    const listId = first.pickListIds[0]!
    const other = await addOrder(t.db, { lines: [{ sku: 'P-C1', quantity: 1 }] })
    const line = [{ sku: 'P-C1', quantity: 1, zone: 'C', bin: 'C-04-02' }]
    await tx((x) => releaseDueLists(x, at(60 * 24), [listId]))
    expect(await status(listId)).toBe('released')
    expect(await tx((x) => insertLinesIfOpen(x, listId, other.id, line))).toBe(false)
    const onList = await t.db.selectFrom('pick_list_lines').select('order_id').where('pick_list_id', '=', listId).execute()
    expect(onList.map((r) => r.order_id)).toEqual([first.order.id])
    // the order then goes onto the next open list
    const next = await tx((x) => addToPickLists(x, other.id, line, { now: t0, priority: 0, strategy: 'batch', batchSize: 50 }))
    expect(next.pickListIds[0]).not.toBe(listId)
  })
})
