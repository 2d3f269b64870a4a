import type { Parcel } from './boxes.ts'

/** Packaging material and inserts for a shipment, from fragility and what rules set. */

export const PACKAGING_MATERIALS = [
  'bubble wrap',
  'packing peanuts',
  'air pillows',
  'shredded paper',
  'kraft paper',
] as const

export interface PackagingChoice {
  material: string
  /** why this material: shown on the packing slip and in the step output */
  reason: string
  inserts: string[]
}

export interface PackagingOptions {
  /** material when nothing fragile and no rule chose one (Default: "air pillows") */
  defaultMaterial?: string
  /** material for fragile items (Default: "bubble wrap") */
  fragileMaterial?: string
}

/**
 * A rule's `packaging` attribute wins (the merchant said so); otherwise fragile items get the
 * fragile material and everything else the default. Inserts come from `gift`, `note`,
 * `discountCode` and `inserts` attributes set by rules.
 */
export function choosePackaging(
  items: readonly { sku: string; fragile: boolean }[],
  attributes: Record<string, unknown>,
  opts: PackagingOptions = {},
): PackagingChoice {
  const fragile = items.filter((i) => i.fragile).map((i) => i.sku)
  let material: string
  let reason: string
  if (typeof attributes.packaging === 'string' && attributes.packaging !== '') {
    material = attributes.packaging
    reason = 'set by rules'
  } else if (fragile.length > 0) {
    material = opts.fragileMaterial ?? 'bubble wrap'
    reason = `fragile: ${fragile.join(', ')}`
  } else {
    material = opts.defaultMaterial ?? 'air pillows'
    reason = 'default'
  }
  const inserts: string[] = []
  if (attributes.gift === true || typeof attributes.gift === 'string') {
    inserts.push(typeof attributes.gift === 'string' ? `gift: ${attributes.gift}` : 'gift')
  }
  if (typeof attributes.note === 'string' && attributes.note !== '') inserts.push(`note: ${attributes.note}`)
  if (typeof attributes.discountCode === 'string' && attributes.discountCode !== '') {
    inserts.push(`discount code: ${attributes.discountCode}`)
  }
  if (Array.isArray(attributes.inserts)) inserts.push(...attributes.inserts.map(String))
  return { material, reason, inserts: [...new Set(inserts)] }
}

/** A plain-text packing slip: what goes in which box, with material and inserts. */
export function packingSlip(
  order: { id: number; externalId: string; shippingAddress: { name: string } },
  parcels: readonly Parcel[],
  packaging: PackagingChoice,
): string {
  const lines = [
    `PACKING SLIP — order ${order.id} (${order.externalId})`,
    `Ship to: ${order.shippingAddress.name}`,
  ]
  parcels.forEach((p, i) => {
    lines.push(`Parcel ${i + 1} of ${parcels.length}: box ${p.box.id}, ${(p.weightG / 1000).toFixed(2)} kg`)
    for (const item of p.items) lines.push(`  ${item.quantity} × ${item.sku}`)
  })
  lines.push(`Packaging: ${packaging.material} (${packaging.reason})`)
  if (packaging.inserts.length > 0) lines.push(`Inserts: ${packaging.inserts.join('; ')}`)
  return lines.join('\n')
}
