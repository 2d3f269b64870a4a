import type { Executor } from '../db.ts'
import { ApiError } from '../errors.ts'
import { loadFlowVersion } from './flow-cache.ts'
import { enqueueStep, jobPriority } from './jobs.ts'
import { createStep } from './run-state.ts'

/**
 * Starts the order's run on the flow's active version, in the caller's transaction (intake and
 * run start commit together). The run stays on this version for good.
 */
export async function startRun(db: Executor, orderId: number, flowId: string | undefined) {
  let query = db.selectFrom('flows').select(['id', 'name', 'active_version'])
  query = flowId ? query.where('id', '=', flowId) : query.where('is_default', '=', true)
  const flow = await query.executeTakeFirst()
  if (!flow) {
    throw flowId
      ? new ApiError(422, 'unknown_flow', `Flow "${flowId}" does not exist; send an existing flowId or leave it out to use the default flow.`)
      : new ApiError(422, 'no_default_flow', 'No default flow is set; name a flowId or mark a flow as default.')
  }
  if (flow.active_version === null) {
    throw new ApiError(422, 'flow_not_published', `Flow "${flow.id}" has no published version yet; publish it before sending orders to it.`)
  }
  const compiled = await loadFlowVersion(db, flow.id, flow.active_version)
  const trigger = compiled.nodes.get(compiled.triggerId)!
  const run = await db
    .insertInto('runs')
    .values({ order_id: orderId, flow_id: flow.id, flow_version: flow.active_version, status: 'running' })
    .returningAll()
    .executeTakeFirstOrThrow()
  const step = await createStep(db, run.id, trigger.id, trigger.type)
  await enqueueStep(db, step.id, { priority: jobPriority({}) })
  return run
}
