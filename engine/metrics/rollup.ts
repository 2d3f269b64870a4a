import { sql } from 'kysely'
import type { Db, Tx } from '../db.ts'
import { FINISHED, processingMs, waitingMs } from './step-durations.ts'

export interface RollupOptions {
  /** Days rolled up per transaction, so a backfill never holds one long transaction. (Default: 7) */
  chunkDays?: number
  /**
   * How far behind the database's clock a worker's clock may be (a step's `created_at` is its
   * worker's clock): steps are rolled up once created this long before the oldest transaction
   * still running. (Default: 5 minutes)
   */
  clockSkewMs?: number
}

export interface RollupResult {
  /** finished steps added: those created since the last rollup, and listed open ones that have finished since */
  steps: number
  /** steps created since the last rollup that are still open: listed, read from steps until they finish */
  open: number
  /** the rollup now holds the steps created before this */
  rolledTo: Date
}

const DAY = 86_400_000
/** the 16 per-sub-bin counts of a group of durations (duration_sub in migrations/0030) */
const subCounts = sql.join(
  Array.from({ length: 16 }, (_, i) => sql.raw(`count(*) filter (where sub = ${i})`)),
)

/**
 * Brings the per-node metrics rollup (migrations/0030) up to date: adds the steps created since
 * the last rollup, up to the moment no new step can appear before, and the steps listed as open
 * that have finished since. Safe to run at any time and from several workers at once (they take
 * turns on the state row).
 */
export async function rollupSteps(db: Db, opts: RollupOptions = {}): Promise<RollupResult> {
  let steps = 0
  let open = 0
  let rolledTo: Date
  for (;;) {
    const chunk = await db.transaction().execute((tx) => rollupChunk(tx, opts))
    steps += chunk.steps
    open += chunk.open
    rolledTo = chunk.rolledTo
    if (!chunk.more) break
  }
  // After a backfill, fresh statistics at once: without them the planner misjudges the rollup
  // tables' sizes and joins them badly. Autovacuum keeps up with the small periodic additions.
  if (steps + open >= 10_000)
    await sql`analyze step_rollup_nodes, step_rollup_ports, step_rollup_durations, step_rollup_duration_months, step_rollup_open`.execute(
      db,
    )
  return { steps, open, rolledTo }
}

async function rollupChunk(tx: Tx, opts: RollupOptions): Promise<RollupResult & { more: boolean }> {
  // the first rollup starts at the day of the oldest step
  await sql`insert into step_rollup_state (rolled_to)
    select date_trunc('day', coalesce(min(created_at), now()), 'UTC') from steps
    on conflict do nothing`.execute(tx)
  // the row lock makes concurrent rollups take turns; the next statements see the previous one's work
  const state = await sql<{ rolled_to: Date }>`select rolled_to from step_rollup_state for update`.execute(tx)
  const from = state.rows[0]!.rolled_to
  const closedTo = await closedUntil(tx, opts.clockSkewMs ?? 5 * 60_000)
  const to = new Date(
    Math.max(from.getTime(), Math.min(closedTo.getTime(), from.getTime() + (opts.chunkDays ?? 7) * DAY)),
  )
  const r = await addSteps(tx, from, to)
  if (to > from) await sql`update step_rollup_state set rolled_to = ${to}`.execute(tx)
  return { ...r, rolledTo: to, more: to < closedTo }
}

/**
 * The moment before which no step can still appear. A step row becomes visible when its
 * transaction commits, up to a job's length after its `created_at`: so only steps created before
 * every transaction running now started (less the clock skew) are final in number. This reads
 * pg_stat_activity before the rollup's own snapshot is taken, by the next statement.
 * Hazard: pg_stat_activity shows `xact_start` only for sessions of the same role (or to
 * pg_read_all_stats); run the workers and the rollup with one role.
 */
async function closedUntil(tx: Tx, clockSkewMs: number): Promise<Date> {
  const { rows } = await sql<{ closed_to: Date }>`
    select least(now(), min(xact_start)) - make_interval(secs => ${clockSkewMs / 1000}::float8) as closed_to
    from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`.execute(tx)
  return rows[0]!.closed_to
}

/**
 * One statement, so one snapshot: the finished steps created in [from, to) and the listed open
 * steps that have finished since go into the rollup; the steps of [from, to) still open are listed.
 * A step is in exactly one of: the rollup, the open list, or after `rolled_to`.
 */
async function addSteps(tx: Tx, from: Date, to: Date): Promise<{ steps: number; open: number }> {
  const columns = sql`r.flow_id, r.flow_version, date_trunc('day', s.created_at, 'UTC') as day, s.node_id,
    s.node_type, s.status, s.attempt, s.port, ${processingMs('s')} as processing_ms, ${waitingMs('s')} as waiting_ms`
  const { rows } = await sql<{ steps: number; open: number }>`
    with settled as (
      delete from step_rollup_open o using steps s
      where s.id = o.step_id and s.status in ${FINISHED}
      returning o.step_id
    ),
    src as materialized (
      select ${columns} from steps s join runs r on r.id = s.run_id
      where s.created_at >= ${from}::timestamptz and s.created_at < ${to}::timestamptz and s.status in ${FINISHED}
      union all
      select ${columns} from settled x join steps s on s.id = x.step_id join runs r on r.id = s.run_id
    ),
    opened as (
      insert into step_rollup_open (step_id, flow_id, created_at)
      select s.id, r.flow_id, s.created_at from steps s join runs r on r.id = s.run_id
      where s.created_at >= ${from}::timestamptz and s.created_at < ${to}::timestamptz and s.status not in ${FINISHED}
      returning 1
    ),
    nodes as (
      insert into step_rollup_nodes as t (flow_id, day, flow_version, node_id, node_type, entered, completed, failed,
        cancelled, retried, processing_n, processing_sum, waiting_n, waiting_sum)
      select flow_id, day, flow_version, node_id, max(node_type), count(*),
        count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
        count(*) filter (where status = 'cancelled'), count(*) filter (where attempt > 1),
        count(processing_ms), coalesce(sum(processing_ms), 0), count(waiting_ms), coalesce(sum(waiting_ms), 0)
      from src group by flow_id, day, flow_version, node_id
      on conflict (flow_id, day, flow_version, node_id) do update set
        node_type = greatest(t.node_type, excluded.node_type), entered = t.entered + excluded.entered,
        completed = t.completed + excluded.completed, failed = t.failed + excluded.failed,
        cancelled = t.cancelled + excluded.cancelled, retried = t.retried + excluded.retried,
        processing_n = t.processing_n + excluded.processing_n, processing_sum = t.processing_sum + excluded.processing_sum,
        waiting_n = t.waiting_n + excluded.waiting_n, waiting_sum = t.waiting_sum + excluded.waiting_sum
      returning 1
    ),
    ports as (
      insert into step_rollup_ports as t (flow_id, day, flow_version, node_id, port, n)
      select flow_id, day, flow_version, node_id, port, count(*) from src where port is not null
      group by flow_id, day, flow_version, node_id, port
      on conflict (flow_id, day, flow_version, node_id, port) do update set n = t.n + excluded.n
      returning 1
    ),
    v as materialized (
      select flow_id, node_id, kind, day, flow_version, duration_bin(ms) as bin, duration_sub(ms) as sub, ms from (
        select flow_id, node_id, 'processing' as kind, day, flow_version, processing_ms as ms from src where processing_ms is not null
        union all
        select flow_id, node_id, 'waiting', day, flow_version, waiting_ms from src where waiting_ms is not null
      ) x
    ),
    durations as (
      insert into step_rollup_durations as t (flow_id, node_id, kind, bin, day, flow_version, n, subs, ms)
      select flow_id, node_id, kind, bin, day, flow_version, count(*), array[${subCounts}], array_agg(ms order by ms)
      from v group by flow_id, node_id, kind, bin, day, flow_version
      on conflict (flow_id, node_id, kind, bin, day, flow_version) do update set n = t.n + excluded.n,
        subs = (select array_agg(a + b order by i) from unnest(t.subs, excluded.subs) with ordinality u(a, b, i)),
        ms = (select array_agg(m order by m) from unnest(t.ms || excluded.ms) m)
      returning 1
    ),
    months as (
      insert into step_rollup_duration_months as t (flow_id, month, flow_version, node_id, kind, bin, n)
      select flow_id, date_trunc('month', day, 'UTC'), flow_version, node_id, kind, bin, count(*)
      from v group by 1, 2, 3, 4, 5, 6
      on conflict (flow_id, month, flow_version, node_id, kind, bin) do update set n = t.n + excluded.n
      returning 1
    )
    select (select count(*) from src)::int as steps, (select count(*) from opened)::int as open`.execute(tx)
  return rows[0]!
}
