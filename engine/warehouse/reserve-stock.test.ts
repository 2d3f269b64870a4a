import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { consumeReservations, outstandingLines, releaseReservations, reserveStock } from './reserve-stock.ts'
import { addOrder, addProducts } from './testing.ts'

const t = await createTestDb()
afterAll(() => t.close())

const stock = (sku: string) =>
  t.db
    .selectFrom('inventory')
    .select(['on_hand', 'reserved'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow()

describe('reserveStock', () => {
  beforeAll(() =>
    addProducts(t.db, [
      { sku: 'A', onHand: 10 },
      { sku: 'B', onHand: 2 },
      { sku: 'C', onHand: 0 },
      { sku: 'HOT', onHand: 100 },
    ]),
  )

  it('sums a SKU over its lines and reports each line', async () => {
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
      ],
    })
    const r = await t.db.transaction().execute((tx) => reserveStock(tx, order.id, order.lines))
    expect(r.status).toBe('inStock')
    expect(r.lines.map((l) => l.reserved)).toEqual([3, 1, 2])
    expect(await stock('A')).toEqual({ on_hand: 10, reserved: 5 })
    const rows = await t.db.selectFrom('reservations').selectAll().where('order_id', '=', order.id).execute()
    expect(rows.map((r) => [r.sku, r.quantity])).toEqual([
      ['A', 5],
      ['B', 1],
    ])
  })

  it('is all or nothing per SKU unless partial, and reports partial / out of stock', async () => {
    const order = await addOrder(t.db, {
      lines: [
        { sku: 'B', quantity: 3 },
        { sku: 'A', quantity: 1 },
      ],
    })
    const strict = await t.db.transaction().execute((tx) => reserveStock(tx, order.id, order.lines))
    expect(strict.status).toBe('partial')
    expect(strict.lines).toEqual([
      { sku: 'B', requested: 3, reserved: 0, short: 3 },
      { sku: 'A', requested: 1, reserved: 1, short: 0 },
    ])
    const rest = await t.db
      .transaction()
      .execute(async (tx) =>
        reserveStock(tx, order.id, await outstandingLines(tx, order.id, order.lines), { partial: true }),
      )
    expect(rest.lines).toEqual([{ sku: 'B', requested: 3, reserved: 1, short: 2 }])
    expect(await stock('B')).toEqual({ on_hand: 2, reserved: 2 })
    const none = await addOrder(t.db, {
      lines: [
        { sku: 'C', quantity: 1 },
        { sku: 'NOPE', quantity: 1 },
      ],
    })
    const out = await t.db
      .transaction()
      .execute((tx) => reserveStock(tx, none.id, none.lines, { partial: true }))
    expect(out.status).toBe('outOfStock')
  })

  it('releases and consumes what an order holds', async () => {
    const a = await addOrder(t.db, { lines: [{ sku: 'A', quantity: 2 }] })
    const b = await addOrder(t.db, { lines: [{ sku: 'A', quantity: 1 }] })
    const before = await stock('A')
    await t.db.transaction().execute(async (tx) => {
      await reserveStock(tx, a.id, a.lines)
      await reserveStock(tx, b.id, b.lines)
    })
    expect(await t.db.transaction().execute((tx) => releaseReservations(tx, a.id))).toEqual([
      { sku: 'A', quantity: 2 },
    ])
    expect(await t.db.transaction().execute((tx) => consumeReservations(tx, b.id))).toEqual([
      { sku: 'A', quantity: 1 },
    ])
    expect(await stock('A')).toEqual({ on_hand: before.on_hand - 1, reserved: before.reserved })
    // settled reservations are not settled twice
    expect(await t.db.transaction().execute((tx) => consumeReservations(tx, b.id))).toEqual([])
  })

  it('never oversells: 300 concurrent orders for 100 units reserve exactly 100', async () => {
    const orders = await Promise.all(
      Array.from({ length: 300 }, () => addOrder(t.db, { lines: [{ sku: 'HOT', quantity: 1 }] })),
    )
    const results = await Promise.all(
      orders.map((o) => t.db.transaction().execute((tx) => reserveStock(tx, o.id, o.lines))),
    )
    expect(results.filter((r) => r.status === 'inStock')).toHaveLength(100)
    expect(results.filter((r) => r.status === 'outOfStock')).toHaveLength(200)
    expect(await stock('HOT')).toEqual({ on_hand: 100, reserved: 100 })
    const held = await t.db
      .selectFrom('reservations')
      .select((eb) => eb.fn.sum<number>('quantity').as('n'))
      .where('sku', '=', 'HOT')
      .executeTakeFirstOrThrow()
    expect(Number(held.n)).toBe(100)
  })

  it('lets the database refuse a negative or oversold row outright', async () => {
    await expect(
      t.db.updateTable('inventory').set({ reserved: 11 }).where('sku', '=', 'A').execute(),
    ).rejects.toThrow(/check/)
    await expect(
      t.db.updateTable('inventory').set({ on_hand: -1 }).where('sku', '=', 'C').execute(),
    ).rejects.toThrow(/check/)
  })
})
