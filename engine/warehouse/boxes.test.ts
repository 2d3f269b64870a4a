import { describe, expect, it } from 'vitest'
import { type Box, chooseBoxes, itemFitsBox, type PackItem, PackingError } from './boxes.ts'
import { choosePackaging } from './packaging.ts'
import { STANDARD_BOXES } from './standard-boxes.ts'

const boxes: Box[] = [
  { id: 'big', lengthMm: 600, widthMm: 400, heightMm: 400, maxWeightG: 20000 },
  { id: 'small', lengthMm: 200, widthMm: 150, heightMm: 100, maxWeightG: 2000 },
  { id: 'medium', lengthMm: 400, widthMm: 300, heightMm: 200, maxWeightG: 10000 },
]
const item = (sku: string, quantity: number, dims: [number, number, number], weightG: number): PackItem => ({
  sku,
  quantity,
  lengthMm: dims[0],
  widthMm: dims[1],
  heightMm: dims[2],
  weightG,
})
const summary = (items: PackItem[], bs: Box[] = boxes) =>
  chooseBoxes(items, bs).map((p) => ({ box: p.box.id, items: p.items, weightG: p.weightG }))

describe('chooseBoxes', () => {
  it.each([
    ['one small item → smallest box', [item('mug', 1, [120, 90, 100], 400)], ['small']],
    ['an item fitting only when rotated', [item('poster-tube', 1, [90, 190, 140], 300)], ['small']],
    ['exactly the box size still fits alone', [item('brick', 1, [200, 150, 100], 1500)], ['small']],
    [
      'fits the small box by size but too heavy → medium',
      [item('dumbbell', 1, [150, 100, 80], 2500)],
      ['medium'],
    ],
    ['several items whose volume needs the medium box', [item('book', 6, [200, 140, 40], 500)], ['medium']],
    ['too heavy for any one box → two parcels', [item('weights', 2, [300, 200, 150], 12000)], ['big', 'big']],
  ])('%s', (_name, items, expected) => {
    expect(summary(items).map((p) => p.box)).toEqual(expected)
  })

  it('splits by first-fit decreasing and shrinks each parcel to the smallest box that holds it', () => {
    const parcels = summary([item('tv', 1, [580, 380, 380], 15000), item('remote', 2, [180, 50, 30], 150)])
    expect(parcels).toEqual([
      { box: 'big', items: [{ sku: 'tv', quantity: 1 }], weightG: 15000 },
      { box: 'small', items: [{ sku: 'remote', quantity: 2 }], weightG: 300 },
    ])
  })

  it('refuses an item larger than every box with a message naming it and the fix', () => {
    expect(() => summary([item('sofa', 1, [2000, 900, 800], 40000)])).toThrow(PackingError)
    expect(() => summary([item('sofa', 1, [2000, 900, 800], 40000)])).toThrow(
      /"sofa".*fits none of the boxes.*add a bigger box/,
    )
    expect(() => summary([item('anvil', 1, [300, 200, 150], 25000)])).toThrow(/"anvil"/)
    expect(() => chooseBoxes([item('x', 1, [1, 1, 1], 1)], [])).toThrow(/No standard boxes/)
  })

  it('returns no parcels for no items, and rotation is symmetric', () => {
    expect(chooseBoxes([], boxes)).toEqual([])
    expect(itemFitsBox({ lengthMm: 100, widthMm: 200, heightMm: 150 }, boxes[1]!)).toBe(true)
    expect(itemFitsBox({ lengthMm: 100, widthMm: 201, heightMm: 150 }, boxes[1]!)).toBe(false)
  })

  it('packs a typical order into one of the standard boxes', () => {
    expect(
      summary(
        [item('shirt', 2, [300, 200, 30], 250), item('mug', 1, [120, 90, 100], 400)],
        STANDARD_BOXES,
      )[0]!.box,
    ).toBe('S')
  })
})

describe('choosePackaging', () => {
  it('uses the rule-set material, else fragile protection, else the default; adds inserts', () => {
    expect(choosePackaging([{ sku: 'vase', fragile: true }], {}).material).toBe('bubble wrap')
    expect(choosePackaging([{ sku: 'shirt', fragile: false }], {}).material).toBe('air pillows')
    const ruled = choosePackaging([{ sku: 'vase', fragile: true }], {
      packaging: 'packing peanuts',
      gift: true,
      note: 'Happy birthday!',
      discountCode: 'THANKS10',
    })
    expect(ruled).toEqual({
      material: 'packing peanuts',
      reason: 'set by rules',
      inserts: ['gift', 'note: Happy birthday!', 'discount code: THANKS10'],
    })
  })
})
