import { describe, expect, it } from 'vitest'
import { Coalescer } from './coalesce.ts'

describe('Coalescer', () => {
  it('serves the calls of one turn with one run, each its own answer', async () => {
    const seen: number[][] = []
    const c = new Coalescer<number, number>(async (xs) => {
      seen.push(xs)
      return xs.map((x) => x * 10)
    })
    expect(await Promise.all([c.call(1), c.call(2), c.call(3)])).toEqual([10, 20, 30])
    expect(await c.call(4)).toBe(40)
    expect(seen).toEqual([[1, 2, 3], [4]])
  })

  it('when a run of several fails, runs each alone: only the bad request fails', async () => {
    const c = new Coalescer<number, number>(async (xs) => {
      if (xs.includes(2)) throw new Error(`bad request 2 (of ${xs.length})`)
      return xs
    })
    const results = await Promise.allSettled([c.call(1), c.call(2), c.call(3)])
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('bad request 2 (of 1)') },
      { status: 'fulfilled', value: 3 },
    ])
    expect(c.runs).toBe(4)
  })
})
