import { z } from 'zod'
import { defineNode } from '../engine/node-contract.ts'
import { StepFailed } from '../engine/errors.ts'
import { chooseBoxes, PackingError } from '../engine/warehouse/boxes.ts'
import { pickedForOrder } from '../engine/warehouse/confirm-pick.ts'
import { choosePackaging, PACKAGING_MATERIALS, packingSlip } from '../engine/warehouse/packaging.ts'
import { packItems } from '../engine/warehouse/products.ts'
import { sumBySku } from '../engine/warehouse/reserve-stock.ts'
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
    const held = await tx
      .selectFrom('reservations')
      .select(['sku', 'quantity'])
      .where('order_id', '=', order.id)
      .where('status', '=', 'reserved')
      .execute()
    const expected = new Map(sumBySku(held))
    const picked = await pickedForOrder(tx, order.id)
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
    const items = await packItems(
      tx,
      [...expected].map(([sku, quantity]) => ({ sku, quantity })),
    )
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
