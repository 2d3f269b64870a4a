/**
 * percentile_cont from a histogram whose bins keep their exact values, bit for bit what
 * PostgreSQL computes over the values themselves (orderedsetaggs.c: setup_pct_info, float8_lerp).
 */

export const PERCENTILES = [0.5, 0.95] as const

/** The 0-based ranks percentile_cont reads for fraction `p` of `n` values, and the fraction between them. */
export function contRanks(p: number, n: number): { lo: number; hi: number; frac: number } {
  const r = p * (n - 1)
  return { lo: Math.floor(r), hi: Math.ceil(r), frac: r - Math.floor(r) }
}

/** percentile_cont's interpolation, in the same floating-point operations as PostgreSQL. */
export function interpolate(lo: number, hi: number, frac: number, sameRank: boolean): number {
  return sameRank ? lo : lo + frac * (hi - lo)
}

export interface BinCount {
  bin: number
  n: number
}

/** The bin holding 0-based rank `rank` of the values and the rank's offset inside it; `bins` sorted by bin. */
export function locate(bins: BinCount[], rank: number): { bin: number; offset: number } {
  let before = 0
  for (const b of bins) {
    if (rank < before + b.n) return { bin: b.bin, offset: rank - before }
    before += b.n
  }
  throw new Error(`rank ${rank} is beyond the ${before} values of the histogram`)
}
