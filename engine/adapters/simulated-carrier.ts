import crypto from 'node:crypto'
import { renderLabelSvg } from './label-svg.ts'
import type { Address, Booking, BookingRequest, CarrierAdapter } from './types.ts'

export const DEFAULT_SENDER: Address = {
  name: 'orderflow Fulfilment Centre',
  line1: '1 Dock Road',
  city: 'Rotterdam',
  postalCode: '3011 AA',
  country: 'NL',
}

/**
 * A carrier with standard and express services. Deterministic: the same key always yields the
 * same tracking number, so a retried booking is the same booking, as an idempotent API would give.
 */
export class SimulatedCarrier implements CarrierAdapter {
  readonly name = 'SimPost'

  constructor(
    private readonly opts: { sender?: Address; trackingBaseUrl?: string; clock?: () => Date } = {},
  ) {}

  async book(req: BookingRequest): Promise<Booking> {
    if (req.parcels.length === 0) throw new Error('A booking needs at least one parcel.')
    const digits = BigInt(`0x${crypto.createHash('sha256').update(req.key).digest('hex').slice(0, 15)}`)
      .toString()
      .padStart(12, '0')
      .slice(-12)
    const trackingNumber = `SP${req.service === 'express' ? 'X' : 'S'}${digits}`
    const base = this.opts.trackingBaseUrl ?? 'https://simpost.example/track/'
    const date = this.opts.clock?.() ?? new Date()
    const weightG = req.parcels.reduce((w, p) => w + p.weightG, 0)
    const labelSvg = renderLabelSvg({
      carrier: this.name,
      service: req.service,
      trackingNumber,
      from: req.from ?? this.opts.sender ?? DEFAULT_SENDER,
      to: req.address,
      // one label per shipment; the parcel count tells the driver how many pieces to expect
      parcel: { index: 1, count: req.parcels.length, weightG },
      reference: req.reference ?? `order ${req.orderId}`,
      date,
    })
    return { carrier: this.name, trackingNumber, trackingUrl: `${base}${trackingNumber}`, labelSvg }
  }
}
