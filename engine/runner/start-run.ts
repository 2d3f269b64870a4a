import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { ApiError } from '../errors.ts'
import { loadFlowVersion } from './flow-cache.ts'
import { jobPriority } from './jobs.ts'

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
  // run, first step and its job in one statement: intake is the hot path
  const { rows } = await sql<{ run_id: number; step_id: number }>`
    with r as (
      insert into runs (order_id, flow_id, flow_version, status)
      values (${orderId}, ${flow.id}, ${flow.active_version}, 'running') returning id
    ), s as (
      insert into steps (run_id, node_id, node_type, status, visit)
      select r.id, ${trigger.id}, ${trigger.type}, 'pending', 1 from r returning id, run_id
    )
    select s.run_id, s.id as step_id, graphile_worker.add_job('run_step', json_build_object('stepId', s.id),
      job_key := 'step:' || s.id, priority := ${jobPriority({})}::int) as job
    from s`.execute(db)
  return { id: rows[0]!.run_id, flowId: flow.id, flowVersion: flow.active_version }
}
