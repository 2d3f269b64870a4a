/**
 * Errors classified by what the caller should do. Nodes throw these; the runner decides.
 */

/** Transient: try the step again later with backoff (carrier timed out, lock contention). */
export class RetryLater extends Error {
  override name = 'RetryLater'
  /** Wait at least this long before the next attempt. */
  readonly delayMs: number | undefined
  constructor(message: string, opts: { cause?: unknown; delayMs?: number } = {}) {
    super(message, { cause: opts.cause })
    this.delayMs = opts.delayMs
  }
}

/** Permanent: retrying will not help. The step follows its `error` port, or the run fails. */
export class StepFailed extends Error {
  override name = 'StepFailed'
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause })
  }
}

/** An error an API caller can act on; rendered as `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export const notFound = (what: string, id: string | number) =>
  new ApiError(404, 'not_found', `${what} ${JSON.stringify(String(id))} does not exist.`)
