/** Box selection: the smallest standard box that takes everything, else several parcels. */

export interface Box {
  id: string
  name?: string
  /** inner dimensions */
  lengthMm: number
  widthMm: number
  heightMm: number
  /** the most the box may carry, contents only */
  maxWeightG: number
}

export interface PackItem {
  sku: string
  quantity: number
  lengthMm: number
  widthMm: number
  heightMm: number
  weightG: number
}

export interface Parcel {
  box: Box
  items: { sku: string; quantity: number }[]
  weightG: number
}

/** Thrown when no box can ever hold an item: no amount of splitting helps. */
export class PackingError extends Error {
  override name = 'PackingError'
}

/** How much of a box's volume loose items can really use (they never tessellate perfectly). */
export const FILL_FACTOR = 0.85

const volume = (d: { lengthMm: number; widthMm: number; heightMm: number }) =>
  d.lengthMm * d.widthMm * d.heightMm
const sorted = (d: { lengthMm: number; widthMm: number; heightMm: number }) =>
  [d.lengthMm, d.widthMm, d.heightMm].sort((a, b) => b - a)

/** An item fits a box in some rotation iff its sorted dimensions are each within the box's. */
export function itemFitsBox(item: Omit<PackItem, 'quantity' | 'sku' | 'weightG'>, box: Box): boolean {
  const [i0, i1, i2] = sorted(item)
  const [b0, b1, b2] = sorted(box)
  return i0! <= b0! && i1! <= b1! && i2! <= b2!
}

type Unit = Omit<PackItem, 'quantity'>

/**
 * Several units fit a box when each fits by dimensions, their weight is within the box's
 * maximum and (for more than one unit) their volume is within FILL_FACTOR of the box's. A
 * volume heuristic, not a 3D packing: it is what warehouses use to pick a carton size.
 */
function unitsFit(units: readonly Unit[], box: Box): boolean {
  if (units.reduce((w, u) => w + u.weightG, 0) > box.maxWeightG) return false
  if (!units.every((u) => itemFitsBox(u, box))) return false
  return units.length === 1 || units.reduce((v, u) => v + volume(u), 0) <= volume(box) * FILL_FACTOR
}

function toParcel(units: readonly Unit[], box: Box): Parcel {
  const counts = new Map<string, number>()
  for (const u of units) counts.set(u.sku, (counts.get(u.sku) ?? 0) + 1)
  return {
    box,
    items: [...counts].map(([sku, quantity]) => ({ sku, quantity })),
    weightG: units.reduce((w, u) => w + u.weightG, 0),
  }
}

/**
 * Chooses boxes for items. One parcel in the smallest box (by volume) that holds everything;
 * otherwise first-fit decreasing into the largest box, then each parcel shrunk to the smallest
 * box that still holds its contents. Throws PackingError naming the item no box can take.
 */
export function chooseBoxes(items: readonly PackItem[], boxes: readonly Box[]): Parcel[] {
  if (boxes.length === 0)
    throw new PackingError('No standard boxes are configured; add at least one to the pack node.')
  const bySize = [...boxes].sort((a, b) => volume(a) - volume(b) || a.maxWeightG - b.maxWeightG)
  const units: Unit[] = items.flatMap(({ quantity, ...u }) => Array.from({ length: quantity }, () => u))
  if (units.length === 0) return []
  for (const u of units) {
    if (!bySize.some((b) => unitsFit([u], b))) {
      const largest = bySize[bySize.length - 1]!
      throw new PackingError(
        `Item "${u.sku}" (${u.lengthMm}×${u.widthMm}×${u.heightMm} mm, ${u.weightG} g) fits none of the boxes ` +
          `(largest "${largest.id}": ${largest.lengthMm}×${largest.widthMm}×${largest.heightMm} mm, max ${largest.maxWeightG} g); ` +
          'add a bigger box to the pack node or ship this item separately.',
      )
    }
  }
  const single = bySize.find((b) => unitsFit(units, b))
  if (single) return [toParcel(units, single)]

  // first-fit decreasing: big units first, each into the first open parcel that still takes it
  const decreasing = [...units].sort((a, b) => volume(b) - volume(a) || b.weightG - a.weightG)
  const bins: Unit[][] = []
  for (const u of decreasing) {
    const bin = bins.find((b) => bySize.some((box) => unitsFit([...b, u], box)))
    if (bin) bin.push(u)
    else bins.push([u])
  }
  return bins.map((b) => toParcel(b, bySize.find((box) => unitsFit(b, box))!))
}
