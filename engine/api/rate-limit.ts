import type { MiddlewareHandler } from 'hono'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { Env } from './guard.ts'

export interface IntakeRateLimit {
  /** Requests per window and key. 0 turns the limit off. (Default: 3000, env `ORDERFLOW_INTAKE_RATE_LIMIT`) */
  points: number
  /** Window length in seconds. (Default: 60) */
  durationSeconds: number
}

export function intakeRateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): IntakeRateLimit {
  const raw = env.ORDERFLOW_INTAKE_RATE_LIMIT
  const points = raw === undefined || raw === '' ? 3000 : Number(raw)
  if (!Number.isInteger(points) || points < 0) {
    throw new Error(
      `ORDERFLOW_INTAKE_RATE_LIMIT=${JSON.stringify(raw)} is not a whole number; set it to e.g. 3000 (per minute) or 0 for no limit.`,
    )
  }
  return { points, durationSeconds: 60 }
}

/**
 * Limits order intake per caller: per API token on POST /api/orders, per channel on webhooks.
 * In-process (rate-limiter-flexible's memory store, a fixed window per key): each API process
 * enforces the limit on its own, so N processes behind a balancer allow up to N times as much.
 * Over the limit: 429 JSON with Retry-After in seconds.
 */
export function intakeRateLimit(
  limit: IntakeRateLimit,
  keyOf: (c: Parameters<MiddlewareHandler<Env>>[0]) => string | undefined,
): MiddlewareHandler<Env> {
  const limiter =
    limit.points > 0
      ? new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds })
      : undefined
  return async (c, next) => {
    const key = limiter && keyOf(c)
    if (!key) return next()
    try {
      await limiter.consume(key)
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000))
      c.header('Retry-After', String(retryAfter))
      return c.json(
        {
          error: {
            code: 'rate_limited',
            message: `More than ${limit.points} orders in ${limit.durationSeconds} s from this ${key.split(':')[0]}; retry after ${retryAfter} s.`,
            details: {
              limit: limit.points,
              windowSeconds: limit.durationSeconds,
              retryAfterSeconds: retryAfter,
            },
          },
        },
        429,
      )
    }
    return next()
  }
}
