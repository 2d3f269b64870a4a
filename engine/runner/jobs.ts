import { sql } from 'kysely'
import type { Executor } from '../db.ts'

/**
 * Enqueueing jobs in SQL inside the caller's transaction: a state change and the job for what
 * follows commit together, or neither does.
 */

/** graphile-worker runs lower numbers first. */
export function jobPriority(attributes: Record<string, unknown>): number {
  if (attributes.priority === 'high' || attributes.express === true) return -10
  if (attributes.priority === 'low') return 10
  return 0
}

/** Run a pending step (and whatever follows it without waiting). */
export async function enqueueStep(db: Executor, stepId: number, opts: { priority?: number; runAt?: Date } = {}) {
  await sql`select graphile_worker.add_job(
    'run_step', json_build_object('stepId', ${stepId}::bigint),
    run_at := ${opts.runAt ?? null}::timestamptz,
    job_key := ${`step:${stepId}`}, priority := ${opts.priority ?? 0}::int)`.execute(db)
}

export async function enqueueSteps(db: Executor, stepIds: number[], priority = 0) {
  if (stepIds.length === 0) return
  if (stepIds.length === 1) return enqueueStep(db, stepIds[0]!, { priority })
  // one add_jobs call instead of one add_job per step: far fewer NOTIFYs
  const specs = stepIds.map((id) => ({
    identifier: 'run_step',
    payload: { stepId: id },
    job_key: `step:${id}`,
    priority,
  }))
  await sql`select graphile_worker.add_jobs(array(
    select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json)))`.execute(db)
}

/**
 * Look at a waiting step again: for a matching event, or because its deadline passed. One job
 * key per step, and `replace` mode: a new wake (an event) replaces the pending deadline, so the
 * step is examined once; whichever condition holds when it runs wins, under the step's row lock.
 */
export async function enqueueWake(db: Executor, stepId: number, opts: { runAt?: Date; priority?: number } = {}) {
  await sql`select graphile_worker.add_job(
    'wake_step', json_build_object('stepId', ${stepId}::bigint),
    run_at := ${opts.runAt ?? null}::timestamptz,
    job_key := ${`wake:${stepId}`}, job_key_mode := 'replace', priority := ${opts.priority ?? 0}::int)`.execute(db)
}
