import { sql } from 'kysely'

/**
 * A step's processing and waiting time in ms (null until it finished), written once for the raw
 * queries and the rollup so both compute bit-identical values from the same row.
 * Processing: `started_at` until it began waiting or finished. Waiting: `waiting_since` until it
 * finished, for steps that waited.
 */
export const processingMs = (s: string) => sql`case when ${sql.ref(`${s}.finished_at`)} is not null
  then date_part('epoch', coalesce(${sql.ref(`${s}.waiting_since`)}, ${sql.ref(`${s}.finished_at`)}) - ${sql.ref(`${s}.started_at`)}) * 1000 end`

export const waitingMs = (
  s: string,
) => sql`case when ${sql.ref(`${s}.finished_at`)} is not null and ${sql.ref(`${s}.waiting_since`)} is not null
  then date_part('epoch', ${sql.ref(`${s}.finished_at`)} - ${sql.ref(`${s}.waiting_since`)}) * 1000 end`

/** Statuses the runner never changes again: only these steps are rolled up. */
export const FINISHED = sql`('completed', 'failed', 'cancelled')`

export type DurationKind = 'processing' | 'waiting'
