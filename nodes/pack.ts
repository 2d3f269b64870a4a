import { sql } from 'kysely'
import { z } from 'zod'
import type { Tx } from '../engine/db.ts'
import { defineNode } from '../engine/node-contract.ts'
import { StepFailed } from '../engine/errors.ts'
import { chooseBoxes, PackingError } from '../engine/warehouse/boxes.ts'
import { choosePackaging, PACKAGING_MATERIALS, packingSlip } from '../engine/warehouse/packaging.ts'
import { toPackItem } from '../engine/warehouse/products.ts'
import { STANDARD_BOXES } from '../engine/warehouse/standard-boxes.ts'

const box = z.object({
  id: z.string().min(1).max(20),
  name: z.string().max(100).optional(),
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  maxWeightG: z.number().int().positive(),
})
const material = z
  .string()
  .min(1)
  .max(50)
  .describe(`e.g. ${PACKAGING_MATERIALS.join(', ')}`)

/**
 * Verifies what was picked against what the order holds, chooses the smallest standard box that
 * fits (or splits into parcels), the packaging material (rules first, then fragility) and the
 * inserts set by rules, and writes a packing slip. The result is kept on the order's `pack`
 * attribute for ship. A mismatch is recorded as a pick error and leaves on `mismatch`.
 */
export const pack = defineNode({
  type: 'pack',
  title: 'Pack',
  description:
    'Verifies the picked items, picks the box(es), packaging material and inserts, and prints a packing slip.',
  category: 'Warehouse',
  icon: 'package',
  ports: ['packed', 'mismatch'],
  waits: true,
  config: z.object({
    boxes: z
      .array(box)
      .min(1)
      .max(10)
      .default(STANDARD_BOXES)
      .describe('Standard boxes (inner dimensions, max contents weight)'),
    fragileMaterial: material.default('bubble wrap').describe('Packaging for fragile items'),
    defaultMaterial: material
      .default('air pillows')
      .describe('Packaging otherwise (a rule may set "packaging")'),
    waitForConfirmation: z
      .boolean()
      .default(false)
      .describe('Wait for a "packed" event from the packing station'),
  }),
  async run(config, ctx) {
    const { order, tx } = ctx
    if (ctx.wake?.event) return { port: 'packed', output: ctx.state }
    const { expected, picked, products } = await packingFacts(tx, order.id)
    // a flow without a pick node has nothing to verify against: the reservation is the truth
    if (picked.size > 0) {
      const differences = [...new Set([...expected.keys(), ...picked.keys()])]
        .map((sku) => ({ sku, expected: expected.get(sku) ?? 0, actual: picked.get(sku) ?? 0 }))
        .filter((d) => d.expected !== d.actual)
      if (differences.length > 0) {
        await tx
          .insertInto('pick_errors')
          .values(
            differences.map((d) => ({
              order_id: order.id,
              ...d,
              source: 'pack' as const,
              created_at: ctx.clock.now(),
              kind:
                d.expected === 0
                  ? ('wrong_item' as const)
                  : d.actual < d.expected
                    ? ('short' as const)
                    : ('over' as const),
            })),
          )
          .execute()
        await ctx.setStatus('pack_mismatch')
        return { port: 'mismatch', output: { differences } }
      }
    }
    if (expected.size === 0)
      throw new StepFailed(
        `Order ${order.id} holds no reserved stock to pack; route it through check-stock first.`,
      )
    const items = [...expected].map(([sku, quantity]) => toPackItem({ sku, quantity }, products.get(sku)))
    let parcels: ReturnType<typeof chooseBoxes>
    try {
      parcels = chooseBoxes(items, config.boxes)
    } catch (e) {
      if (e instanceof PackingError) throw new StepFailed(e.message, { cause: e })
      throw e
    }
    const packaging = choosePackaging(items, order.attributes, config)
    const slip = packingSlip(order, parcels, packaging)
    await tx
      .updateTable('pick_list_lines')
      .set({ packed_at: ctx.clock.now() })
      .where('order_id', '=', order.id)
      .where('packed_at', 'is', null)
      .where('picked_quantity', 'is not', null)
      .execute()
    const result = {
      parcels: parcels.map((p) => ({
        boxId: p.box.id,
        lengthMm: p.box.lengthMm,
        widthMm: p.box.widthMm,
        heightMm: p.box.heightMm,
        weightG: p.weightG,
        items: p.items,
      })),
      material: packaging.material,
      materialReason: packaging.reason,
      inserts: packaging.inserts,
      packingSlip: slip,
    }
    await ctx.setAttributes({ pack: result })
    await ctx.setStatus('packed')
    if (config.waitForConfirmation) return { wait: { events: ['packed'] }, state: result }
    return { port: 'packed', output: result }
  },
})

/**
 * In one query: the units the order holds (reserved), the units picked for it and not yet packed
 * (only SKUs with a picked line), and the catalogue dimensions of the SKUs it holds.
 */
async function packingFacts(tx: Tx, orderId: number) {
  const { rows } = await sql<{
    sku: string
    reserved: number | null
    picked: number | null
    length_mm: number
    width_mm: number
    height_mm: number
    weight_g: number
    fragile: boolean
    in_catalogue: boolean
  }>`
    with held as (
      select sku, sum(quantity)::int as quantity from reservations
      where order_id = ${orderId} and status = 'reserved' group by sku
    ),
    picked as (
      select sku, sum(picked_quantity)::int as quantity from pick_list_lines
      where order_id = ${orderId} and packed_at is null and picked_quantity is not null group by sku
    )
    select coalesce(h.sku, k.sku) as sku, h.quantity as reserved, k.quantity as picked,
      p.length_mm, p.width_mm, p.height_mm, p.weight_g, p.fragile, p.sku is not null as in_catalogue
    from held h full join picked k on k.sku = h.sku
    left join products p on p.sku = coalesce(h.sku, k.sku)
    order by 1`.execute(tx)
  return {
    expected: new Map(rows.filter((r) => r.reserved !== null).map((r) => [r.sku, r.reserved!])),
    picked: new Map(rows.filter((r) => r.picked !== null).map((r) => [r.sku, r.picked!])),
    products: new Map(rows.filter((r) => r.in_catalogue).map((r) => [r.sku, r])),
  }
}
