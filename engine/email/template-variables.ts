/** A variable the template editor offers for insertion. */
export interface TemplateVariable {
  /** as written in a template, e.g. `order.totals.total`; `lines[].sku` lives inside `{{#each lines}}` */
  path: string
  description: string
  example?: unknown
}

const CORE: [string, string][] = [
  ['order.id', 'Order number in orderflow'],
  ['order.externalId', 'Order number in the sales channel (what the customer sees)'],
  ['order.channel', 'Sales channel, e.g. "shopify"'],
  ['order.status', 'Current order status'],
  ['order.currency', 'ISO currency code, e.g. "EUR"'],
  ['order.placedAt', 'When the order was placed; use {{date order.placedAt}}'],
  ['order.shippingMethod', 'Chosen shipping method'],
  ['order.paymentMethod', 'Chosen payment method'],
  ['order.itemCount', 'Total quantity of items; use {{pluralize order.itemCount "item"}}'],
  ['order.totals.subtotal', 'Sum of the lines; use {{money order.totals.subtotal}}'],
  ['order.totals.shipping', 'Shipping cost'],
  ['order.totals.tax', 'Tax'],
  ['order.totals.total', 'Amount charged'],
  ['order.shippingAddress.name', 'Recipient'],
  ['order.shippingAddress.company', 'Company ("" when none)'],
  ['order.shippingAddress.line1', 'Street address'],
  ['order.shippingAddress.line2', 'Second address line ("" when none)'],
  ['order.shippingAddress.city', 'City'],
  ['order.shippingAddress.region', 'Region or state ("" when none)'],
  ['order.shippingAddress.postalCode', 'Postal code'],
  ['order.shippingAddress.country', 'ISO country code, e.g. "IE"'],
  ['order.shippingAddress.phone', 'Phone ("" when none)'],
  [
    'order.attributes',
    'Attributes set by rules (priority, express, gift, ...); test with {{#if order.attributes.gift}}',
  ],
  ['order.tags', 'Order tags; {{#each order.tags}}{{this}}{{/each}}'],
  ['customer.name', 'Customer full name (may be "")'],
  ['customer.firstName', 'First word of the name (may be "")'],
  ['customer.email', 'Customer email address'],
  ['lines', 'Order lines; loop with {{#each lines}}...{{/each}}'],
  ['lines[].sku', 'SKU'],
  ['lines[].name', 'Product name'],
  ['lines[].quantity', 'Quantity'],
  ['lines[].unitPrice', 'Price per unit; {{money unitPrice}}'],
  ['lines[].lineTotal', 'Quantity × unit price; {{money lineTotal}}'],
  ['shop.name', 'Shop name'],
  ['shop.supportEmail', 'Support email address'],
  ['shop.url', 'Shop website'],
]

/**
 * Every variable a template can use: the core data (see TemplateData in template-data.ts) plus
 * the per-email extras, flattened from that template's sample extra data.
 */
export function templateVariables(sampleExtra: Record<string, unknown> = {}): TemplateVariable[] {
  const vars: TemplateVariable[] = CORE.map(([path, description]) => ({ path, description }))
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      vars.push({ path, description: 'Email-specific list; loop with {{#each}}' })
      if (value[0] !== undefined) walk(value[0], `${path}[]`)
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k)
    } else {
      vars.push({ path, description: 'Email-specific data', example: value })
    }
  }
  walk(sampleExtra, '')
  return vars
}
