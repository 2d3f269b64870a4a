import { describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { code39Bars } from './code39.ts'
import { SimulatedCarrier } from './simulated-carrier.ts'
import { SimulatedChannel } from './simulated-channel.ts'

const to = {
  name: 'Ada <Lovelace>',
  line1: '12 Analytical Row',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
}
const parcels = [{ weightG: 1200, lengthMm: 310, widthMm: 220, heightMm: 140 }]

describe('SimulatedCarrier', () => {
  it('gives the same tracking number for the same key, and different ones otherwise', async () => {
    const c = new SimulatedCarrier()
    const a = await c.book({ key: 'step:1', orderId: 1, service: 'standard', parcels, address: to })
    const b = await c.book({ key: 'step:1', orderId: 1, service: 'standard', parcels, address: to })
    const x = await c.book({ key: 'step:2', orderId: 1, service: 'express', parcels, address: to })
    expect(a.trackingNumber).toBe(b.trackingNumber)
    expect(a.trackingNumber).toMatch(/^SPS\d{12}$/)
    expect(x.trackingNumber).toMatch(/^SPX\d{12}$/)
    expect(a.trackingUrl).toBe(`https://simpost.example/track/${a.trackingNumber}`)
  })

  it('renders a 4x6 inch SVG label with both addresses (escaped), service and a barcode', async () => {
    const { labelSvg, trackingNumber } = await new SimulatedCarrier().book({
      key: 'step:3',
      orderId: 42,
      service: 'express',
      parcels: [...parcels, ...parcels],
      address: to,
    })
    expect(labelSvg).toContain('width="4in" height="6in" viewBox="0 0 400 600"')
    expect(labelSvg).toContain('Ada &lt;Lovelace&gt;')
    expect(labelSvg).toContain('orderflow Fulfilment Centre')
    expect(labelSvg).toContain('EXPRESS')
    expect(labelSvg).toContain(trackingNumber)
    expect(labelSvg).toContain('Parcel 1 of 2 · 2.40 kg')
    expect(labelSvg.match(/<rect x="[\d.]+" y="424"/g)!.length).toBe(5 * (trackingNumber.length + 2))
  })

  it('encodes Code 39 with three wide elements per character', () => {
    const { bars } = code39Bars('A')
    expect(bars).toHaveLength(15) // *, A, * with five bars each
    expect(() => code39Bars('a_b')).toThrow(/cannot be encoded/)
  })
})

describe('SimulatedChannel', () => {
  it('records each shipped update once', async () => {
    const t = await createTestDb()
    try {
      const ch = new SimulatedChannel(t.db)
      await ch.markShipped({ channel: 'shopify', externalId: '1001', trackingNumber: 'SPS1' })
      await ch.markShipped({ channel: 'shopify', externalId: '1001', trackingNumber: 'SPS1' })
      expect(await t.db.selectFrom('simulated_channel_updates').selectAll().execute()).toHaveLength(1)
      // updates of one turn are one write, duplicates among them too
      await Promise.all(
        ['SPS1', 'SPS2', 'SPS2', 'SPS3'].map((n) =>
          ch.markShipped({ channel: 'shopify', externalId: '1001', trackingNumber: n }),
        ),
      )
      expect(ch.writes.runs).toBe(3)
      const rows = await t.db.selectFrom('simulated_channel_updates').select('tracking_number').execute()
      expect(rows.map((r) => r.tracking_number).sort()).toEqual(['SPS1', 'SPS2', 'SPS3'])
    } finally {
      await t.close()
    }
  })
})
