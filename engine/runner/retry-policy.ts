import { RetryLater, StepFailed } from '../errors.ts'

/**
 * StepFailed is permanent at once; anything else (RetryLater, a dropped connection, a bug) is
 * tried again with backoff until the attempts run out, then counts as permanent.
 */
export function classify(error: unknown, attempt: number, maxAttempts: number): 'transient' | 'permanent' {
  if (error instanceof StepFailed) return 'permanent'
  return attempt < maxAttempts ? 'transient' : 'permanent'
}

/** Exponential backoff from `baseMs`, capped at 5 minutes; RetryLater may ask for longer. */
export function retryDelayMs(error: unknown, attempt: number, baseMs: number): number {
  const backoff = Math.min(baseMs * 2 ** (attempt - 1), 5 * 60_000)
  return error instanceof RetryLater && error.delayMs !== undefined ? Math.max(error.delayMs, backoff) : backoff
}
