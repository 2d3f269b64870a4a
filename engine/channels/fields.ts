import { z } from 'zod'
import type { OrderInput } from '../orders/order-model.ts'
import { MappingError } from './decimal.ts'

/**
 * Zod pieces for payloads parsed by parseJsonKeepingNumbers: every JSON number arrives as its
 * source text, so ids, quantities and prices are strings here whatever the platform sent.
 */
export const id = z.string().regex(/^\d{1,20}$/, 'must be a numeric id')
export const amount = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal amount')
export const quantity = z
  .string()
  .regex(/^\d{1,6}$/, 'must be a whole number')
  .transform(Number)
export const text = z
  .string()
  .nullish()
  .transform((v) => v?.trim() ?? '')

export type Address = NonNullable<OrderInput['billingAddress']>

/** An address for the order model, or undefined when the platform sent none worth the name. */
export function toAddress(a: {
  name: string
  company?: string
  line1: string
  line2?: string
  city: string
  region?: string
  postalCode?: string
  country: string
  phone?: string
}): Address | undefined {
  if (!a.line1 && !a.city && !a.country) return undefined
  const missing = (['name', 'line1', 'city', 'country'] as const).filter((k) => !a[k])
  if (missing.length) throw new MappingError(`the address lacks ${missing.join(', ')}`)
  const country = a.country.toUpperCase()
  if (!/^[A-Z]{2}$/.test(country))
    throw new MappingError(`the address country "${a.country}" is not an ISO 3166-1 alpha-2 code`)
  return {
    name: a.name,
    line1: a.line1,
    city: a.city,
    country,
    postalCode: a.postalCode ?? '',
    ...(a.company ? { company: a.company } : {}),
    ...(a.line2 ? { line2: a.line2 } : {}),
    ...(a.region ? { region: a.region } : {}),
    ...(a.phone ? { phone: a.phone } : {}),
  }
}

/** Express when the platform's shipping line says so; everything else ships standard. */
export function shippingMethodOf(...labels: string[]): 'express' | 'standard' {
  return labels.some((l) => /express|next[\s_-]?day|overnight|priority/i.test(l)) ? 'express' : 'standard'
}

/** A payment method name the pay node and rules can compare: lower-case words joined by "_". */
export function slug(value: string, fallback: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100)
  return s || fallback
}

/** zod problems as one readable sentence for a 422. */
export function describeIssues(error: z.ZodError): {
  message: string
  details: { path: string; message: string }[]
} {
  const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  const first = details[0]!
  return {
    message: `${first.path || 'payload'}: ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    details,
  }
}
