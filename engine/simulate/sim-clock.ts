import type { Clock } from '../node-contract.ts'

/**
 * The simulation's clock: real time flows at 1× (so a node's processing time is what it really
 * took), and the simulation jumps it forward over idle stretches (waits of hours or days).
 * It never goes back, and never behind the real clock: jobs that are due "now" in real time
 * must be due in simulated time too.
 */
export class SimClock implements Clock {
  private base: number
  private realBase = Date.now()

  constructor(start: Date) {
    this.base = Math.max(start.getTime(), Date.now())
  }

  now(): Date {
    return new Date(this.base + (Date.now() - this.realBase))
  }

  advanceTo(t: Date | number): void {
    const target = typeof t === 'number' ? t : t.getTime()
    this.base = Math.max(this.now().getTime(), target)
    this.realBase = Date.now()
  }
}

/** Things the outside world will do at a simulated time, earliest first. */
export class Calendar {
  private items: { at: number; seq: number; run: () => Promise<void> }[] = []
  private seq = 0

  add(at: number, run: () => Promise<void>): void {
    const item = { at, seq: this.seq++, run }
    let i = this.items.length
    while (i > 0 && this.items[i - 1]!.at > at) i--
    this.items.splice(i, 0, item)
  }

  next(): number | undefined {
    return this.items[0]?.at
  }

  /** Removes and returns what is due at `now`, in time order. */
  takeDue(now: number): (() => Promise<void>)[] {
    let n = 0
    while (n < this.items.length && this.items[n]!.at <= now) n++
    return this.items.splice(0, n).map((i) => i.run)
  }

  get size(): number {
    return this.items.length
  }
}
