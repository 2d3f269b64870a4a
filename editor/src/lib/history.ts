/**
 * Undo/redo over immutable snapshots. `record` is called after each change with the new state;
 * changes sharing a `coalesceKey` within `coalesceMs` (typing in one field) become one step.
 */
export class History<T> {
  private past: T[] = []
  private future: T[] = []
  private lastKey: string | undefined
  private lastAt = 0

  /**
   * @param present the state before any change
   * @param limit how many steps are kept (Default: 200)
   * @param coalesceMs window in which changes with the same key merge (Default: 1000)
   */
  constructor(
    private present: T,
    private readonly limit = 200,
    private readonly coalesceMs = 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get current(): T {
    return this.present
  }
  get canUndo(): boolean {
    return this.past.length > 0
  }
  get canRedo(): boolean {
    return this.future.length > 0
  }

  record(next: T, coalesceKey?: string): void {
    const t = this.now()
    const merge = coalesceKey !== undefined && coalesceKey === this.lastKey && t - this.lastAt < this.coalesceMs
    if (!merge) {
      this.past.push(this.present)
      if (this.past.length > this.limit) this.past.shift()
    }
    this.present = next
    this.future = []
    this.lastKey = coalesceKey
    this.lastAt = t
  }

  undo(): T | undefined {
    const prev = this.past.pop()
    if (prev === undefined) return undefined
    this.future.push(this.present)
    this.present = prev
    this.lastKey = undefined
    return prev
  }

  redo(): T | undefined {
    const next = this.future.pop()
    if (next === undefined) return undefined
    this.past.push(this.present)
    this.present = next
    this.lastKey = undefined
    return next
  }

  reset(present: T): void {
    this.past = []
    this.future = []
    this.present = present
    this.lastKey = undefined
  }
}
