import { sql } from 'kysely'
import { z } from 'zod'

/** A time window `[from, to)`; either end may be open. */
export interface TimeWindow {
  from?: Date
  to?: Date
}

const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .transform((s) => new Date(s))
  .describe('ISO 8601 date or date-time, e.g. 2025-03-01 or 2025-03-01T00:00:00Z')

/** A query schema with `from`/`to` (checked to be in order) plus the given fields. */
export function windowQuery<S extends z.ZodRawShape>(shape: S) {
  return z.object({ from: instant.optional(), to: instant.optional(), ...shape }).refine(
    (w) => {
      const { from, to } = w as TimeWindow
      return !from || !to || from < to
    },
    { message: '"from" must be before "to"', path: ['from'] },
  )
}

/** `column >= from and column < to` for the ends that are set; built per call so indexes apply. */
export function inWindow(column: string, w: TimeWindow) {
  const col = sql.ref(column)
  const parts = [
    ...(w.from ? [sql`${col} >= ${w.from}::timestamptz`] : []),
    ...(w.to ? [sql`${col} < ${w.to}::timestamptz`] : []),
  ]
  return parts.length === 0 ? sql<boolean>`true` : sql<boolean>`(${sql.join(parts, sql` and `)})`
}

/** percentile_cont returns null over no rows; JSON gets null, never NaN. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/** A share with a zero denominator is unknown (null), not 0. */
export const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null)
