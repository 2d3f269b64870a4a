import { sql } from 'kysely'
import { z } from 'zod'
import { defineNode, type NodeContext } from '../engine/node-contract.ts'
import { refundOrder } from '../engine/warehouse/refund-order.ts'
import {
  type LineReservation,
  releaseReservations,
  remainingLines,
  reserveStock,
  stockPosition,
} from '../engine/warehouse/reserve-stock.ts'

const DAY = 86_400_000

/**
 * Reserves every line (one conditional UPDATE per SKU, never overselling) and reports what it
 * found on `inStock`, `partial` or `outOfStock`. A second visit (after a `restocked` event)
 * reserves only what the order does not hold yet. What happens to the shortfall is the config's
 * `onShortage`: backorder it and tell the customer, dropship it, ship what is there now and
 * backorder the rest, or cancel the order (release, refund, email).
 */
export const checkStock = defineNode({
  type: 'check-stock',
  title: 'Check stock',
  description:
    'Reserves stock for every line; decides what a shortage means: backorder, dropship, partial shipment or cancel.',
  category: 'Warehouse',
  icon: 'package-search',
  ports: ['inStock', 'partial', 'outOfStock', 'cancelled', 'dropshipped'],
  config: z.object({
    onShortage: z
      .enum(['backorder', 'dropship', 'partial', 'cancel'])
      .default('backorder')
      .describe('What to do with lines that are not in stock'),
    expectedDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(7)
      .describe('Backorders: days until restock, told to the customer'),
    supplierName: z
      .string()
      .min(1)
      .default('Default supplier')
      .describe('Dropship: the supplier that ships the missing lines'),
    supplierEmail: z
      .email()
      .default('orders@supplier.example')
      .describe('Dropship: where the supplier order is emailed'),
  }),
  async run(config, ctx) {
    const { order, tx } = ctx
    const position = await stockPosition(tx, order.id)
    const wanted = remainingLines(order.lines, position.held)
    // a partial shipment takes what there is of a SKU; the others keep a SKU whole or not at all
    const result = await reserveStock(tx, order.id, wanted, {
      stepId: ctx.step.id,
      partial: config.onShortage === 'partial',
    })
    const short = shortBySku(result.lines)
    const fulfilled =
      position.openBackorders === 0
        ? []
        : await tx
            .updateTable('backorders')
            .set({ status: 'fulfilled', closed_at: ctx.clock.now() })
            .where('order_id', '=', order.id)
            .where('status', '=', 'open')
            .where('sku', 'not in', short.length ? short.map((s) => s.sku) : [''])
            .returning('sku')
            .execute()
    const holdsSome = position.openReservations > 0 || result.lines.some((l) => l.reserved > 0)
    const output = {
      reserved: result.lines.filter((l) => l.reserved > 0),
      short,
      backordersFulfilled: fulfilled.map((f) => f.sku),
    }
    if (short.length === 0) return { port: 'inStock', output }
    const effect = await handleShortage(config, ctx, short)
    return { port: shortagePort(config.onShortage, holdsSome), output: { ...output, ...effect } }
  },
})

type Config = z.output<typeof checkStock.config>

/**
 * Where a shortage leaves, by mode:
 * - backorder: `outOfStock` — the order cannot ship until the missing lines are restocked;
 * - partial: `partial` — ship what is reserved now, the rest is backordered — or `outOfStock`
 *   when nothing could be reserved;
 * - dropship: the supplier ships the missing lines; `inStock` when we hold the rest, else `dropshipped`;
 * - cancel: `cancelled` — released, refunded and told.
 */
function shortagePort(mode: 'backorder' | 'dropship' | 'partial' | 'cancel', holdsSome: boolean): string {
  if (mode === 'cancel') return 'cancelled'
  if (mode === 'dropship') return holdsSome ? 'inStock' : 'dropshipped'
  if (mode === 'partial' && holdsSome) return 'partial'
  return 'outOfStock'
}
type Short = { sku: string; quantity: number }

const withNames = (order: NodeContext['order'], lines: Short[]) =>
  lines.map((s) => ({ ...s, name: order.lines.find((l) => l.sku === s.sku)?.name || s.sku }))

function shortBySku(lines: LineReservation[]): Short[] {
  const m = new Map<string, number>()
  for (const l of lines) if (l.short > 0) m.set(l.sku, (m.get(l.sku) ?? 0) + l.short)
  return [...m].map(([sku, quantity]) => ({ sku, quantity }))
}

async function handleShortage(
  config: Config,
  ctx: NodeContext,
  short: Short[],
): Promise<Record<string, unknown>> {
  const { order, tx } = ctx
  const now = ctx.clock.now()
  if (config.onShortage === 'cancel') {
    const released = await releaseReservations(tx, order.id)
    const refund = await refundOrder(tx, ctx.services.payment, {
      orderId: order.id,
      key: `${ctx.step.key}:refund`,
      reason: 'out of stock',
    })
    if (refund.status === 'failed')
      throw new Error(
        `The refund for cancelled order ${order.id} failed (${refund.reason}); it will be retried.`,
      )
    await ctx.sendEmail('order-cancelled', {
      data: {
        reason: 'The items you ordered are out of stock.',
        unavailable: withNames(order, short),
        ...(refund.status === 'refunded' ? { refund: { amount: refund.amount } } : {}),
      },
    })
    await ctx.setStatus('cancelled')
    return { cancelled: true, released, refund }
  }
  if (config.onShortage === 'dropship') {
    const lines = withNames(order, short)
    const supplierOrder = await tx
      .insertInto('supplier_orders')
      .values({
        order_id: order.id,
        idempotency_key: ctx.step.key,
        supplier: config.supplierName,
        supplier_email: config.supplierEmail,
        lines: JSON.stringify(lines),
      })
      .onConflict((oc) => oc.column('idempotency_key').doUpdateSet({ lines: JSON.stringify(lines) }))
      .returning('id')
      .executeTakeFirstOrThrow()
    await ctx.sendEmail('dropship-supplier-order', {
      to: config.supplierEmail,
      data: {
        supplier: { name: config.supplierName, email: config.supplierEmail },
        supplierOrderId: supplierOrder.id,
        dropshipLines: lines,
      },
    })
    await ctx.setAttributes({ dropship: { supplierOrderId: supplierOrder.id, lines: short } })
    return { dropship: { supplierOrderId: supplierOrder.id, lines: short } }
  }
  // backorder and partial: record the shortfall; a `restocked` event for the SKU brings the order back
  const expectedAt = new Date(now.getTime() + config.expectedDays * DAY)
  let created = 0
  for (const s of short) {
    const row = await tx
      .insertInto('backorders')
      .values({
        order_id: order.id,
        sku: s.sku,
        quantity: s.quantity,
        expected_at: expectedAt,
        created_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['order_id', 'sku']).where('status', '=', 'open').doUpdateSet({ quantity: s.quantity }),
      )
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirstOrThrow()
    if (row.inserted) created++
  }
  // the customer hears once per backorder, not on every re-check that finds it still short
  if (created > 0)
    await ctx.sendEmail('backorder-notice', {
      data: { backordered: withNames(order, short), expectedDate: expectedAt.toISOString().slice(0, 10) },
    })
  await ctx.setStatus(config.onShortage === 'partial' ? 'partially_backordered' : 'backordered')
  return { backordered: short, expectedAt }
}
