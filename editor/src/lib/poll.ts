export interface PollOptions<T> {
  /** Milliseconds from one answer to the next request. (Default: 500) */
  every?: number
  /** Stop after this answer (it is still passed to `onUpdate`). */
  until: (value: T) => boolean
  onUpdate: (value: T) => void
  /** A failed request ends the polling: the caller shows the error. */
  onError: (error: unknown) => void
}

/**
 * Calls `load` until `until` says so, a failure, or the returned stop(). One request at a time,
 * the next `every` ms after the previous answer, so a slow server is never asked twice at once;
 * after stop() no callback runs, even for a request already on its way.
 */
export function poll<T>(load: () => Promise<T>, opts: PollOptions<T>): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = async () => {
    let value: T
    try {
      value = await load()
    } catch (e) {
      if (!stopped) opts.onError(e)
      stopped = true
      return
    }
    if (stopped) return
    opts.onUpdate(value)
    if (opts.until(value)) stopped = true
    else timer = setTimeout(tick, opts.every ?? 500)
  }
  timer = setTimeout(tick, opts.every ?? 500)
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
