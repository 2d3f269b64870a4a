/** A generic order JSON for `POST /api/orders` (see engine/orders/order-model.ts). */
export function sampleOrder(externalId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channel: 'web',
    externalId,
    currency: 'EUR',
    customer: { email: `${externalId.toLowerCase()}@example.com`, name: 'Ada Lovelace' },
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Analytical Way', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
    shippingMethod: 'standard',
    paymentMethod: 'card',
    lines: [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: '12.50' }],
    totals: { subtotal: '25.00', shipping: '4.90', tax: '0.00', total: '29.90' },
    ...overrides,
  }
}
