import crypto from 'node:crypto'

const BASE64 = /^[A-Za-z0-9+/]{43}=$/

/** The base64 HMAC-SHA256 of the raw body, as Shopify and WooCommerce both send it. */
export function signBody(secret: string, rawBody: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(rawBody).digest('base64')
}

/**
 * Checks a webhook signature against the raw body, before anything parses it. Constant-time:
 * the comparison takes as long whichever byte differs. A header that is missing, not base64
 * or not 32 bytes long is simply "not valid" (the caller answers 401), never an exception:
 * `timingSafeEqual` throws on buffers of different lengths, so the length is checked first.
 */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false
  const given = header.trim()
  if (!BASE64.test(given)) return false
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest()
  const actual = Buffer.from(given, 'base64')
  if (actual.length !== expected.length) return false
  return crypto.timingSafeEqual(actual, expected)
}
