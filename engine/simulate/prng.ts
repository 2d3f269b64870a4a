/**
 * A small seeded PRNG (mulberry32): the same seed gives the same order stream on every machine,
 * which is what makes two flow versions comparable on "the same orders".
 */
export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0)
    let r = this.next() * total
    for (const [item, w] of items) {
      r -= w
      if (r < 0) return item
    }
    return items.at(-1)![0]
  }

  /** Exponentially distributed with this mean (gaps between arrivals of a Poisson process). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** An independent stream derived from this seed and a label, e.g. one per order. */
  fork(label: string | number): Prng {
    let h = this.state ^ 0x85ebca6b
    for (const ch of String(label)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193)
    return new Prng(h >>> 0)
  }
}
