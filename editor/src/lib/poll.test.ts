import { afterEach, describe, expect, test, vi } from 'vitest'
import type { Simulation } from './api-types.ts'
import { poll } from './poll.ts'

describe('polling', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const sim = (done: number, status: Simulation['status'] = 'running') =>
    ({ id: 's', status, progress: { done, total: 30 } }) as Simulation

  test('one request at a time until the run ends, then no timer is left', async () => {
    vi.useFakeTimers()
    const answers = [sim(0), sim(12), sim(30, 'done')]
    const load = vi.fn(async () => answers.shift()!)
    const seen: number[] = []
    poll(load, {
      every: 500,
      until: (s) => s.status !== 'running',
      onUpdate: (s) => seen.push(s.progress.done),
      onError: () => {},
    })
    expect(load).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(500)
    expect(seen).toEqual([0])
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen).toEqual([0, 12, 30])
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(5000)
    expect(load).toHaveBeenCalledTimes(3)
  })

  test('stop() ends it, even with a request on its way; a failed request ends it with the error', async () => {
    vi.useFakeTimers()
    let release: (s: Simulation) => void = () => {}
    const slow = () => new Promise<Simulation>((r) => (release = r))
    const onUpdate = vi.fn()
    const stop = poll(slow, { until: () => false, onUpdate, onError: () => {} })
    await vi.advanceTimersByTimeAsync(500)
    stop()
    release(sim(5))
    await vi.advanceTimersByTimeAsync(2000)
    expect(onUpdate).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)

    const errors: unknown[] = []
    const load = vi.fn(async () => {
      throw new Error('gone')
    })
    poll(load, { until: () => false, onUpdate, onError: (e) => errors.push(e) })
    await vi.advanceTimersByTimeAsync(3000)
    expect(load).toHaveBeenCalledTimes(1)
    expect(errors).toEqual([new Error('gone')])
    expect(vi.getTimerCount()).toBe(0)
  })
})
