import type { Executor } from '../db.ts'
import { type ProductInput, productRow } from '../warehouse/products.ts'
import { STANDARD_BOXES } from '../warehouse/standard-boxes.ts'

export { STANDARD_BOXES }

/**
 * Demo catalogue: a home-and-lifestyle shop of 50 products over four zones, with realistic
 * weights (g), sizes (mm, as packed), fragile flags, bins and stock. Zone A: small fast movers
 * near packing; B: kitchen and glass (most fragile goods); C: textiles; D: bulky and heavy.
 */
type Entry = [
  sku: string,
  name: string,
  weightG: number,
  dims: [number, number, number],
  fragile: boolean,
  price: string,
  onHand: number,
]

const ZONES: Record<string, Entry[]> = {
  A: [
    ['A-CARD-01', 'Greeting card, letterpress', 40, [180, 130, 5], false, '4.50', 400],
    ['A-CAND-01', 'Soy candle, 200 g', 380, [90, 90, 100], true, '18.00', 120],
    ['A-NOTE-01', 'Linen notebook A5', 320, [215, 150, 20], false, '14.90', 200],
    ['A-PEN-01', 'Brass ballpoint pen', 45, [150, 30, 25], false, '24.00', 150],
    ['A-SOAP-01', 'Olive oil soap bar', 120, [90, 60, 30], false, '6.50', 300],
    ['A-TEA-01', 'Loose-leaf tea tin', 150, [80, 80, 110], false, '11.00', 180],
    ['A-CHOC-01', 'Dark chocolate bar', 100, [160, 80, 12], false, '3.90', 500],
    ['A-KEYR-01', 'Leather key ring', 30, [100, 40, 10], false, '9.00', 250],
    ['A-SOCK-01', 'Merino socks', 90, [200, 100, 20], false, '16.00', 220],
    ['A-LIPB-01', 'Beeswax lip balm', 20, [60, 20, 20], false, '5.00', 400],
    ['A-PUZZ-01', 'Wooden puzzle cube', 180, [70, 70, 70], false, '12.50', 90],
    ['A-DIFF-01', 'Reed diffuser, glass', 450, [80, 80, 230], true, '29.00', 60],
  ],
  B: [
    ['B-MUG-01', 'Stoneware mug', 400, [120, 90, 100], true, '15.00', 160],
    ['B-WGLS-01', 'Wine glasses, set of 2', 700, [260, 200, 120], true, '34.00', 70],
    ['B-VASE-01', 'Hand-blown glass vase', 1200, [200, 200, 300], true, '59.00', 25],
    ['B-PLAT-01', 'Porcelain dinner plates, set of 4', 2600, [290, 290, 120], true, '64.00', 40],
    ['B-BOWL-01', 'Ceramic salad bowl', 1400, [280, 280, 130], true, '42.00', 35],
    ['B-KNIF-01', "Chef's knife 20 cm", 300, [340, 60, 30], false, '89.00', 45],
    ['B-BORD-01', 'Oak chopping board', 1800, [450, 300, 25], false, '49.00', 50],
    ['B-PAN-01', 'Cast-iron skillet 26 cm', 2900, [460, 280, 60], false, '69.00', 30],
    ['B-TEAP-01', 'Glass teapot 1 l', 650, [200, 150, 160], true, '32.00', 40],
    ['B-CARA-01', 'Water carafe', 550, [110, 110, 260], true, '27.00', 55],
    ['B-SPIC-01', 'Spice jars, set of 6', 900, [250, 170, 110], true, '29.00', 60],
    ['B-TOWL-01', 'Linen tea towels, pair', 250, [250, 180, 30], false, '19.00', 140],
    ['B-GRIN-01', 'Pepper mill, walnut', 420, [70, 70, 220], false, '36.00', 65],
  ],
  C: [
    ['C-THRW-01', 'Wool throw blanket', 1300, [400, 300, 120], false, '95.00', 40],
    ['C-CUSH-01', 'Cushion cover, linen', 300, [300, 250, 30], false, '28.00', 120],
    ['C-PILW-01', 'Feather pillow', 1000, [500, 350, 150], false, '45.00', 50],
    ['C-TOWL-01', 'Bath towel, cotton', 700, [350, 250, 80], false, '32.00', 110],
    ['C-ROBE-01', 'Waffle bathrobe', 1100, [400, 300, 100], false, '79.00', 45],
    ['C-APRN-01', 'Canvas apron', 350, [300, 250, 30], false, '34.00', 70],
    ['C-SCRF-01', 'Cashmere scarf', 180, [250, 200, 30], false, '120.00', 35],
    ['C-TSHR-01', 'Organic cotton T-shirt', 200, [300, 220, 20], false, '29.00', 250],
    ['C-HOOD-01', 'Hoodie, heavyweight', 650, [350, 300, 60], false, '69.00', 90],
    ['C-BEAN-01', 'Knitted beanie', 110, [220, 200, 30], false, '25.00', 130],
    ['C-TOTE-01', 'Canvas tote bag', 250, [380, 350, 10], false, '18.00', 200],
    ['C-DUVT-01', 'Duvet cover, double', 1500, [400, 320, 90], false, '110.00', 30],
  ],
  D: [
    ['D-LAMP-01', 'Ceramic table lamp', 3200, [380, 380, 520], true, '149.00', 15],
    ['D-MIRR-01', 'Wall mirror 55 cm', 6500, [700, 580, 70], true, '179.00', 8],
    ['D-STOL-01', 'Oak step stool', 4800, [450, 350, 300], false, '129.00', 12],
    ['D-RUG-01', 'Jute rug 60×90, rolled', 2200, [620, 200, 200], false, '139.00', 10],
    ['D-PLNT-01', 'Terracotta planter 30 cm', 4100, [320, 320, 300], true, '54.00', 20],
    ['D-BSKT-01', 'Seagrass storage basket', 900, [400, 400, 350], false, '39.00', 40],
    ['D-CHAI-01', 'Folding chair, beech', 5500, [800, 450, 80], false, '119.00', 14],
    ['D-KETL-01', 'Kettlebell 12 kg', 12000, [220, 180, 280], false, '59.00', 18],
    ['D-SPKR-01', 'Bluetooth speaker', 1900, [300, 180, 170], true, '199.00', 22],
    ['D-COFM-01', 'Espresso machine', 9500, [420, 330, 400], true, '449.00', 6],
    ['D-YOGA-01', 'Cork yoga mat', 2300, [620, 150, 150], false, '79.00', 25],
    ['D-CLCK-01', 'Wall clock, walnut', 1400, [420, 420, 70], true, '89.00', 16],
    ['D-BIKE-01', 'Cargo bike (freight only)', 32000, [1900, 700, 1100], false, '2490.00', 2],
  ],
}

/** A catalogue entry: the product as the API takes it, plus its starting stock. */
export type CatalogueProduct = ProductInput & { onHand: number }

/** Bins are zone-aisle-shelf: products of a zone fill aisles of four shelves in order. */
export const CATALOGUE: CatalogueProduct[] = Object.entries(ZONES).flatMap(([zone, entries]) =>
  entries.map(([sku, name, weightG, [lengthMm, widthMm, heightMm], fragile, price, onHand], i) => ({
    sku,
    name,
    weightG,
    lengthMm,
    widthMm,
    heightMm,
    fragile,
    zone,
    bin: `${zone}-${String(Math.floor(i / 4) + 1).padStart(2, '0')}-${String((i % 4) + 1).padStart(2, '0')}`,
    price,
    onHand,
  })),
)

/** Inserts the demo catalogue and its stock; products that already exist are left as they are. */
export async function seedCatalogue(db: Executor): Promise<{ inserted: number }> {
  const inserted = await db
    .insertInto('products')
    .values(CATALOGUE.map(productRow))
    .onConflict((oc) => oc.column('sku').doNothing())
    .returning('sku')
    .execute()
  const fresh = new Set(inserted.map((r) => r.sku))
  if (fresh.size > 0) {
    await db
      .insertInto('inventory')
      .values(CATALOGUE.filter((p) => fresh.has(p.sku)).map((p) => ({ sku: p.sku, on_hand: p.onHand })))
      .onConflict((oc) => oc.column('sku').doNothing())
      .execute()
  }
  return { inserted: fresh.size }
}
