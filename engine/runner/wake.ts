import type { Clock, NodeContext } from '../node-contract.ts'
import type { JobWrites } from './job-writes.ts'
import { toWakeEvent } from './node-context.ts'

/**
 * Why a waiting step may go on now: the oldest unconsumed event of a type it waits for (consumed
 * by the step when the job commits), else its deadline if passed. Events posted before the run
 * reached the wait are found the same way.
 */
export function findWake(
  writes: JobWrites,
  events: string[],
  until: Date | null,
  stepId: number,
  clock: Clock,
): NodeContext['wake'] | undefined {
  const event = events.length > 0 ? writes.takeEvent(events, stepId) : undefined
  if (event) return { event: toWakeEvent(event) }
  if (until && until.getTime() <= clock.now().getTime()) return { timedOut: true }
  return undefined
}
