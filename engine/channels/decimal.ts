/**
 * Platform amounts to exact two-decimal strings, in integer arithmetic (BigInt cents), never
 * through a float. Inputs are the literal text of the payload ("199.00", "18", "16.5").
 */

const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,12}))?$/

/** "18" → "18.00", "16.5" → "16.50", "12.500" → "12.50"; more than two significant decimals throw. */
export function exactMoney(text: string, what: string): string {
  const m = DECIMAL.exec(text.trim())
  if (!m) throw new MappingError(`${what} is ${JSON.stringify(text)}, not a decimal amount`)
  const frac = (m[3] ?? '').replace(/0+$/, '')
  if (frac.length > 2)
    throw new MappingError(`${what} ${text} has more than two decimals; orderflow keeps money in cents`)
  return `${m[1] === '-' && (m[2] !== '0' || frac) ? '-' : ''}${BigInt(m[2]!)}.${frac.padEnd(2, '0')}`
}

export function cents(text: string, what: string): bigint {
  const [int, frac] = exactMoney(text, what).replace('-', '').split('.')
  const value = BigInt(int!) * 100n + BigInt(frac!)
  return text.trim().startsWith('-') ? -value : value
}

export function fromCents(value: bigint): string {
  const sign = value < 0n ? '-' : ''
  const abs = value < 0n ? -value : value
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`
}

/** amount / quantity, rounded half up to the cent (a unit price from a line total). */
export function divideMoney(text: string, quantity: number, what: string): string {
  const total = cents(text, what)
  const q = BigInt(quantity)
  const rounded = (total * 2n + q) / (2n * q)
  return fromCents(rounded)
}

/** A payload the mapping cannot turn into an order: answered 422, with what is wrong. */
export class MappingError extends Error {
  override name = 'MappingError'
}
