import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import type { StepsTable } from '../db-types.ts'

export type StepRow = Selectable<StepsTable>

/**
 * The step rows a job touches, kept in memory and written in one statement when the job's
 * transaction ends (commitJob): one round trip for a chain of steps instead of one or two per step. New
 * steps get their ids up front (from the sequence, a few at a time) because a step's id is its
 * idempotency key while it runs. References to steps from events, emails and reservations are
 * checked at commit (migrations/0003), so they may name a step written later in the job.
 */
export class StepBuffer {
  /** `stored`: the row is in the database already (an update), else the job made it (an insert) */
  private rows = new Map<number, { row: StepRow; dirty: boolean; stored: boolean }>()

  constructor(
    private tx: Tx,
    private runId: number,
    /** highest visit per node in the run so far */
    private visits: Map<string, number>,
    /** ids reserved for this job already (by the head query) */
    private freeIds: number[] = [],
  ) {}

  /** A step that exists in the database already. */
  track(row: StepRow) {
    this.rows.set(row.id, { row, dirty: false, stored: true })
    this.visits.set(row.node_id, Math.max(this.visits.get(row.node_id) ?? 0, row.visit))
  }

  /** A new pending step for the next visit of the node. */
  async create(nodeId: string, nodeType: string): Promise<StepRow> {
    if (this.freeIds.length === 0) {
      const { rows } = await sql<{
        id: number
      }>`select nextval('steps_id_seq')::bigint as id from generate_series(1, 16)`.execute(this.tx)
      this.freeIds = rows.map((r) => Number(r.id))
    }
    const visit = (this.visits.get(nodeId) ?? 0) + 1
    this.visits.set(nodeId, visit)
    const row: StepRow = {
      id: this.freeIds.shift()!,
      run_id: this.runId,
      node_id: nodeId,
      node_type: nodeType,
      visit,
      status: 'pending',
      attempt: 0,
      port: null,
      output: null,
      state: null,
      error: null,
      wait_events: null,
      wait_until: null,
      created_at: new Date(),
      started_at: null,
      waiting_since: null,
      finished_at: null,
    }
    this.rows.set(row.id, { row, dirty: true, stored: false })
    return row
  }

  update(id: number, patch: Partial<StepRow>) {
    const entry = this.rows.get(id)
    if (!entry) throw new Error(`step ${id} is not part of this job`)
    Object.assign(entry.row, patch)
    entry.dirty = true
  }

  /** Every step row the job touched. */
  all(): StepRow[] {
    return [...this.rows.values()].map((e) => e.row)
  }

  /** The rows the job made, and the stored rows it changed, for the job's one write (commitJob). */
  dirty(): { created: StepRow[]; changed: StepRow[] } {
    const entries = [...this.rows.values()]
    return {
      created: entries.filter((e) => !e.stored).map((e) => e.row),
      changed: entries.filter((e) => e.stored && e.dirty).map((e) => e.row),
    }
  }
}
