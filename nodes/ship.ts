import { z } from 'zod'
import type { CarrierParcel } from '../engine/adapters/types.ts'
import { defineNode, type NodeContext } from '../engine/node-contract.ts'
import { StepFailed } from '../engine/errors.ts'
import { chooseBoxes } from '../engine/warehouse/boxes.ts'
import { packItems } from '../engine/warehouse/products.ts'
import { consumeReservations } from '../engine/warehouse/reserve-stock.ts'
import { STANDARD_BOXES } from '../engine/warehouse/standard-boxes.ts'

/**
 * Books the carrier (express service for express orders), stores the shipment with its label
 * (GET /api/shipments/:id/label), takes the shipped units off the shelf, tells the sales channel
 * and sends the "shipped" email with the tracking link. The booking key is the step key, so a
 * retried step books the same shipment.
 */
export const ship = defineNode({
  type: 'ship',
  title: 'Ship',
  description:
    'Books the carrier, prints the label, marks the order shipped on its channel and emails the tracking link.',
  category: 'Shipping',
  icon: 'truck',
  ports: ['shipped'],
  config: z.object({
    service: z
      .enum(['auto', 'standard', 'express'])
      .default('auto')
      .describe('Carrier service; auto uses express for express orders (rules or shipping method)'),
    notifyChannel: z.boolean().default(true).describe('Mark the order shipped on its sales channel'),
    email: z.boolean().default(true).describe('Send the "shipped" email with tracking'),
  }),
  async run(config, ctx) {
    const { order, tx } = ctx
    const service =
      config.service !== 'auto'
        ? config.service
        : isExpress(order.attributes, order.shippingMethod)
          ? 'express'
          : 'standard'
    const parcels = await parcelsFor(ctx)
    const booking = await ctx.services.carrier.book({
      key: ctx.step.key,
      orderId: order.id,
      service,
      parcels,
      address: order.shippingAddress,
      reference: `order ${order.id} / ${order.externalId}`,
    })
    const shipment = await tx
      .insertInto('shipments')
      .values({
        order_id: order.id,
        idempotency_key: ctx.step.key,
        carrier: booking.carrier,
        service,
        tracking_number: booking.trackingNumber,
        tracking_url: booking.trackingUrl,
        label_svg: booking.labelSvg,
        parcels: JSON.stringify(parcels),
        booked_at: ctx.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const shipped = await consumeReservations(tx, order.id)
    if (config.notifyChannel) {
      await ctx.services.channel.markShipped({
        channel: order.channel,
        externalId: order.externalId,
        trackingNumber: booking.trackingNumber,
        trackingUrl: booking.trackingUrl,
      })
    }
    const tracking = {
      shipmentId: shipment.id,
      carrier: booking.carrier,
      service,
      trackingNumber: booking.trackingNumber,
      trackingUrl: booking.trackingUrl,
    }
    await ctx.setAttributes({ shipment: tracking })
    if (config.email)
      await ctx.sendEmail('shipped', {
        data: {
          tracking: {
            number: booking.trackingNumber,
            url: booking.trackingUrl,
            carrier: booking.carrier,
            service,
          },
          parcels: parcels.length,
          shippedLines: shipped,
        },
      })
    await ctx.setStatus('shipped')
    return {
      port: 'shipped',
      output: { ...tracking, labelUrl: `/api/shipments/${shipment.id}/label`, lines: shipped },
    }
  },
})

export function isExpress(attributes: Record<string, unknown>, shippingMethod: string): boolean {
  return (
    attributes.express === true || attributes.carrierService === 'express' || shippingMethod === 'express'
  )
}

/** The parcels pack chose; without a pack step, the standard boxes for what the order holds. */
async function parcelsFor(ctx: NodeContext): Promise<CarrierParcel[]> {
  const packed = ctx.order.attributes.pack as { parcels?: CarrierParcel[] } | undefined
  if (Array.isArray(packed?.parcels) && packed.parcels.length > 0) {
    return packed.parcels.map(({ weightG, lengthMm, widthMm, heightMm, boxId }) => ({
      weightG,
      lengthMm,
      widthMm,
      heightMm,
      boxId,
    }))
  }
  const held = await ctx.tx
    .selectFrom('reservations')
    .select(['sku', 'quantity'])
    .where('order_id', '=', ctx.order.id)
    .where('status', '=', 'reserved')
    .execute()
  if (held.length === 0)
    throw new StepFailed(
      `Order ${ctx.order.id} holds no reserved stock to ship; route it through check-stock (and pack) first.`,
    )
  return chooseBoxes(await packItems(ctx.tx, held), STANDARD_BOXES).map((p) => ({
    weightG: p.weightG,
    lengthMm: p.box.lengthMm,
    widthMm: p.box.widthMm,
    heightMm: p.box.heightMm,
    boxId: p.box.id,
  }))
}
