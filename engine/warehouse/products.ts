import type { Selectable } from 'kysely'
import type { Executor } from '../db.ts'
import type { ProductsTable } from '../db-types.ts'
import type { PackItem } from './boxes.ts'

export interface ProductRow {
  sku: string
  name: string
  weight_g: number
  length_mm: number
  width_mm: number
  height_mm: number
  fragile: boolean
  zone: string
  bin: string
  price: string
  created_at: Date
  updated_at: Date
  on_hand: number
  reserved: number
}

export interface ProductInput {
  sku: string
  name: string
  weightG: number
  lengthMm: number
  widthMm: number
  heightMm: number
  fragile: boolean
  zone: string
  bin: string
  price: string
}

/** The products row for a product given as the API and the catalogue spell it. */
export function productRow(p: ProductInput) {
  return {
    sku: p.sku,
    name: p.name,
    weight_g: p.weightG,
    length_mm: p.lengthMm,
    width_mm: p.widthMm,
    height_mm: p.heightMm,
    fragile: p.fragile,
    zone: p.zone,
    bin: p.bin,
    price: p.price,
  }
}

/** A product as the API shows it: camelCase, stock included, price a decimal string. */
export function productJson(r: ProductRow) {
  return {
    sku: r.sku,
    name: r.name,
    weightG: r.weight_g,
    lengthMm: r.length_mm,
    widthMm: r.width_mm,
    heightMm: r.height_mm,
    fragile: r.fragile,
    zone: r.zone,
    bin: r.bin,
    price: r.price,
    onHand: r.on_hand,
    reserved: r.reserved,
    available: r.on_hand - r.reserved,
    updatedAt: r.updated_at,
  }
}

/** The catalogue entries of some SKUs, keyed by SKU (unknown SKUs are simply absent). */
export async function productsBySku(
  db: Executor,
  skus: readonly string[],
): Promise<Map<string, Selectable<ProductsTable>>> {
  if (skus.length === 0) return new Map()
  const rows = await db
    .selectFrom('products')
    .selectAll()
    .where('sku', 'in', [...new Set(skus)])
    .execute()
  return new Map(rows.map((r) => [r.sku, r]))
}

/** Lines as box-selection items, with each SKU's dimensions and weight from the catalogue. */
export async function packItems(
  db: Executor,
  lines: readonly { sku: string; quantity: number }[],
): Promise<(PackItem & { fragile: boolean })[]> {
  const products = await productsBySku(
    db,
    lines.map((l) => l.sku),
  )
  return lines.map((l) => toPackItem(l, products.get(l.sku)))
}

type PackDimensions = Pick<Selectable<ProductsTable>, 'length_mm' | 'width_mm' | 'height_mm' | 'weight_g' | 'fragile'>

/** A line as a box-selection item; a SKU without a catalogue entry cannot be packed. */
export function toPackItem(
  line: { sku: string; quantity: number },
  product: PackDimensions | undefined,
): PackItem & { fragile: boolean } {
  if (!product)
    throw new Error(
      `SKU "${line.sku}" is not in the catalogue; add it (POST /api/products) so it can be packed.`,
    )
  return {
    sku: line.sku,
    quantity: line.quantity,
    lengthMm: product.length_mm,
    widthMm: product.width_mm,
    heightMm: product.height_mm,
    weightG: product.weight_g,
    fragile: product.fragile,
  }
}
