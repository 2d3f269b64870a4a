import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import type { StepsTable } from '../db-types.ts'

export type StepRow = Selectable<StepsTable>

/**
 * The step rows a job touches, kept in memory and written in one statement when the job's
 * transaction ends: one round trip for a chain of steps instead of one or two per step. New
 * steps get their ids up front (from the sequence, a few at a time) because a step's id is its
 * idempotency key while it runs. References to steps from events, emails and reservations are
 * checked at commit (migrations/0003), so they may name a step written later in the job.
 */
export class StepBuffer {
  private rows = new Map<number, { row: StepRow; dirty: boolean }>()
  private freeIds: number[] = []

  constructor(
    private tx: Tx,
    private runId: number,
    /** highest visit per node in the run so far */
    private visits: Map<string, number>,
  ) {}

  /** A step that exists in the database already. */
  track(row: StepRow) {
    this.rows.set(row.id, { row, dirty: false })
    this.visits.set(row.node_id, Math.max(this.visits.get(row.node_id) ?? 0, row.visit))
  }

  /** A new pending step for the next visit of the node. */
  async create(nodeId: string, nodeType: string): Promise<StepRow> {
    if (this.freeIds.length === 0) {
      const { rows } = await sql<{ id: number }>`select nextval('steps_id_seq')::bigint as id from generate_series(1, 16)`.execute(this.tx)
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
    this.rows.set(row.id, { row, dirty: true })
    return row
  }

  update(id: number, patch: Partial<StepRow>) {
    const entry = this.rows.get(id)
    if (!entry) throw new Error(`step ${id} is not part of this job`)
    Object.assign(entry.row, patch)
    entry.dirty = true
  }

  /** Writes every new or changed step in one statement. */
  async flush() {
    const dirty = [...this.rows.values()].filter((e) => e.dirty).map((e) => e.row)
    if (dirty.length === 0) return
    await sql`
      insert into steps (id, run_id, node_id, node_type, visit, status, attempt, port, output, state, error,
        wait_events, wait_until, created_at, started_at, waiting_since, finished_at)
      select id, run_id, node_id, node_type, visit, status, attempt, port, output, state, error,
        wait_events, wait_until, created_at, started_at, waiting_since, finished_at
      from jsonb_to_recordset(${JSON.stringify(dirty)}::jsonb) as t(id bigint, run_id bigint, node_id text,
        node_type text, visit int, status text, attempt int, port text, output jsonb, state jsonb, error text,
        wait_events text[], wait_until timestamptz, created_at timestamptz, started_at timestamptz,
        waiting_since timestamptz, finished_at timestamptz)
      on conflict (id) do update set status = excluded.status, attempt = excluded.attempt, port = excluded.port,
        output = excluded.output, state = excluded.state, error = excluded.error, wait_events = excluded.wait_events,
        wait_until = excluded.wait_until, started_at = excluded.started_at, waiting_since = excluded.waiting_since,
        finished_at = excluded.finished_at`.execute(this.tx)
    for (const e of this.rows.values()) e.dirty = false
  }
}
