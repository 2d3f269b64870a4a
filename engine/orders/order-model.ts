import { z } from 'zod'

const money = z
  .string()
  .regex(/^-?\d{1,12}(\.\d{1,2})?$/, 'must be a decimal string such as "12.50" (never a float)')

const address = z.object({
  name: z.string().min(1).max(200),
  company: z.string().max(200).optional(),
  line1: z.string().min(1).max(300),
  line2: z.string().max(300).optional(),
  city: z.string().min(1).max(200),
  region: z.string().max(200).optional(),
  postalCode: z.string().max(40).default(''),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "GB"'),
  phone: z.string().max(50).optional(),
})

/** The generic order JSON accepted by `POST /api/orders` (and produced by channel adapters). */
export const orderInputSchema = z.object({
  channel: z.string().min(1).max(100),
  externalId: z.string().min(1).max(100),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"'),
  customer: z.object({ email: z.email(), name: z.string().max(200).default('') }),
  shippingAddress: address,
  billingAddress: address.optional(),
  shippingMethod: z.string().min(1).max(100),
  paymentMethod: z.string().min(1).max(100),
  /** Provider-specific payment data, e.g. `{ "card": "4000000000000002" }` for a declined test card. */
  payment: z.record(z.string(), z.unknown()).default({}),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1).max(100),
        name: z.string().max(300).optional(),
        quantity: z.number().int().positive().max(100000),
        unitPrice: money,
      }),
    )
    .min(1, 'an order needs at least one line')
    .max(500),
  totals: z.object({ subtotal: money, shipping: money, tax: money, total: money }),
  tags: z.array(z.string().max(100)).max(50).default([]),
  placedAt: z.iso.datetime({ offset: true }).optional(),
  /** Run the order through this flow instead of the default one. */
  flowId: z.string().min(1).optional(),
})

export type OrderInput = z.infer<typeof orderInputSchema>

/** The order as nodes, rules and templates see it. Money stays as decimal strings. */
export interface Order {
  id: number
  channel: string
  externalId: string
  status: string
  currency: string
  customer: { id: number; email: string; name: string }
  shippingAddress: z.infer<typeof address>
  billingAddress: z.infer<typeof address> | null
  shippingMethod: string
  paymentMethod: string
  payment: Record<string, unknown>
  lines: { lineNo: number; sku: string; name: string; quantity: number; unitPrice: string }[]
  totals: { subtotal: string; shipping: string; tax: string; total: string }
  attributes: Record<string, unknown>
  tags: string[]
  placedAt: Date
}
