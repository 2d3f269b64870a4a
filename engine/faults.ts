/**
 * Fault injection for crash tests: `ORDERFLOW_FAULT=<point>` makes this process SIGKILL itself
 * the moment it reaches that point (the `ORDERFLOW_FAULT_AFTER`-th time, default the first),
 * exactly as a power cut or the OOM killer would: no cleanup, no finally blocks, open
 * transactions left for PostgreSQL to roll back. Unset (always, in production) it costs one
 * comparison.
 */
export const FAULT_POINTS = [
  /** a step chain has done all its writes; its transaction is about to commit */
  'before-step-commit',
  /** the step transaction committed; graphile-worker has not yet marked the job done */
  'after-step-commit',
  /** SMTP accepted the email; the outbox row is not yet marked sent */
  'after-email-send',
  /** inventory.reserved was raised; the reservation row is not written yet */
  'during-reservation',
  /** the payment provider captured; the payment row is not written yet */
  'during-payment-capture',
] as const
export type FaultPoint = (typeof FAULT_POINTS)[number]

const armed = process.env.ORDERFLOW_FAULT as FaultPoint | undefined
let remaining = Number(process.env.ORDERFLOW_FAULT_AFTER ?? 1)

export function faultPoint(point: FaultPoint): void {
  if (armed !== point) return
  if (--remaining > 0) return
  process.kill(process.pid, 'SIGKILL')
}
