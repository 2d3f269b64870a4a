import { sql } from 'kysely'
import type { Executor } from '../db.ts'

/** A pending step for the next visit of `nodeId` in the run. */
export async function createStep(db: Executor, runId: number, nodeId: string, nodeType: string) {
  return db
    .insertInto('steps')
    .values({
      run_id: runId,
      node_id: nodeId,
      node_type: nodeType,
      status: 'pending',
      visit: sql<number>`(select coalesce(max(visit), 0) + 1 from steps where run_id = ${runId} and node_id = ${nodeId})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}
