/**
 * Exact decimal money as strings ("12.50"), computed in integer cents with BigInt: never floats.
 * Two decimal places, like the numeric(14, 2) columns.
 */
export function toCents(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim())
  if (!m) throw new Error(`"${amount}" is not a decimal amount such as "12.50"`)
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'))
  return m[1] === '-' ? -cents : cents
}

export function fromCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : ''
  const abs = cents < 0n ? -cents : cents
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`
}

export function addMoney(...amounts: string[]): string {
  return fromCents(amounts.reduce((sum, a) => sum + toCents(a), 0n))
}

export function multiplyMoney(amount: string, quantity: number): string {
  return fromCents(toCents(amount) * BigInt(quantity))
}

/** The smaller of two amounts (e.g. a refund capped at what was captured). */
export function minMoney(a: string, b: string): string {
  return toCents(a) <= toCents(b) ? fromCents(toCents(a)) : fromCents(toCents(b))
}
