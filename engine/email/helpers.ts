import type { HelperOptions } from 'handlebars'

/**
 * The only helpers merchant templates may call (besides the block helpers if/unless/each/with).
 * Locale and time zone are fixed so a preview looks exactly like the email that is sent.
 */
export const EMAIL_LOCALE = 'en-GB'
export const EMAIL_TIME_ZONE = 'UTC'

const currencyFormats = new Map<string, Intl.NumberFormat>()

/** `{{money order.totals.total}}` → "€12.50"; the currency defaults to the order's. */
function money(amount: unknown, ...rest: unknown[]): string {
  const options = rest.pop() as HelperOptions
  const currency = typeof rest[0] === 'string' ? rest[0] : rootCurrency(options)
  const text = typeof amount === 'number' ? String(amount) : amount
  if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text)) {
    throw new Error(`money: ${JSON.stringify(amount)} is not an amount such as "12.50"`)
  }
  if (!/^[A-Z]{3}$/.test(currency))
    throw new Error(`money: ${JSON.stringify(currency)} is not a currency code`)
  let format = currencyFormats.get(currency)
  if (!format) {
    format = new Intl.NumberFormat(EMAIL_LOCALE, { style: 'currency', currency })
    currencyFormats.set(currency, format)
  }
  // a decimal string is formatted exactly (Intl.NumberFormat v3), never through a float
  return format.format(text as unknown as number)
}

function rootCurrency(options: HelperOptions): string {
  const root = options?.data?.root as { order?: { currency?: unknown } } | undefined
  return typeof root?.order?.currency === 'string' ? root.order.currency : ''
}

const dateFormats = {
  short: new Intl.DateTimeFormat(EMAIL_LOCALE, { dateStyle: 'medium', timeZone: EMAIL_TIME_ZONE }),
  long: new Intl.DateTimeFormat(EMAIL_LOCALE, { dateStyle: 'full', timeZone: EMAIL_TIME_ZONE }),
  datetime: new Intl.DateTimeFormat(EMAIL_LOCALE, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: EMAIL_TIME_ZONE,
  }),
}

/** `{{date order.placedAt}}` → "12 Mar 2025"; `{{date x "long"}}` → "Wednesday 12 March 2025". */
function date(value: unknown, ...rest: unknown[]): string {
  rest.pop()
  const style = rest[0] ?? 'short'
  if (style !== 'short' && style !== 'long' && style !== 'datetime') {
    throw new Error(`date: format ${JSON.stringify(style)} is unknown; use "short", "long" or "datetime"`)
  }
  const d =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : null
  if (!d || Number.isNaN(d.getTime())) throw new Error(`date: ${JSON.stringify(value)} is not a date`)
  return dateFormats[style].format(d)
}

/** `{{pluralize order.itemCount "item" "items"}}` → "items"; the plural defaults to singular + "s". */
function pluralize(count: unknown, singular: unknown, ...rest: unknown[]): string {
  rest.pop()
  const plural = typeof rest[0] === 'string' ? rest[0] : `${String(singular)}s`
  return Number(count) === 1 ? String(singular) : plural
}

/** `{{#if (eq order.channel "shopify")}}`: strict equality. */
function eq(a: unknown, b: unknown): boolean {
  return a === b
}

function upper(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase() : typeof value === 'number' ? String(value) : ''
}

export const emailHelpers = { money, date, pluralize, eq, upper } as const
export const HELPER_NAMES = Object.keys(emailHelpers)
export const BLOCK_HELPER_NAMES = ['if', 'unless', 'each', 'with']
