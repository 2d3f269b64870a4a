import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Db } from '../db.ts'
import { FACT_COLUMNS, factsOf } from './order-facts.ts'

export interface KpiRollupOptions {
  /** Orders filled per transaction, so a backfill never holds one long transaction. (Default: 20,000) */
  chunk?: number
  /**
   * How long to wait for the transactions that were running when the orders were claimed. Past
   * it the claimed orders stay claimed (KPIs compute them) and the next run fills them. (Default: 60 s)
   */
  waitMs?: number
}

export interface KpiRollupResult {
  /** orders whose facts changed after they were claimed or filled, reopened by this run */
  reopened: number
  /** orders whose run is not running, claimed by this run */
  claimed: number
  /** orders whose facts were filled in (claimed by this run or an earlier one) */
  filled: number
  /** false: a transaction running at the claim outlasted `waitMs`, nothing was filled */
  waited: boolean
}

/**
 * Fills in order_kpi_facts (migrations/0040) for the orders not being processed right now: run
 * finished, or waiting (for a pick, a delivery, a return window...). Orders waiting for days would
 * otherwise be computed by every KPI query; a write to one later reopens its row. Running orders
 * are left open: they change within seconds, and their writes then find the row open and cost
 * nothing. Safe at any time and from several workers at once.
 *
 * First it reopens the rows of orders noted in order_kpi_dirty. Then three steps, because a
 * transaction that wrote to an order before the claim became visible found the row open and
 * noted nothing (its trigger notes only claimed or filled orders): if it were still running when
 * the facts are read, they would miss its write, and nothing would ever reopen the row. So the
 * rollup claims (and commits), notes the snapshot, waits until every transaction that snapshot
 * saw running (or not yet begun) has ended, and only then reads the facts of the orders it
 * claimed. A write after the claim finds the row claimed or filled and notes its order, which
 * the KPI queries then compute themselves until a later run reopens and fills it again.
 */
export async function rollupKpiFacts(db: Db, opts: KpiRollupOptions = {}): Promise<KpiRollupResult> {
  const reopened = await reopenDirty(db)
  const claimed = await claimIdle(db)
  const snapshot = await currentSnapshot(db)
  if (!(await waitForTransactionsBefore(db, snapshot, opts.waitMs ?? 60_000)))
    return { reopened, claimed, filled: 0, waited: false }
  const chunk = opts.chunk ?? 20_000
  let filled = 0
  for (;;) {
    const r = await fillClaimed(db, snapshot, chunk)
    filled += r.filled
    if (r.picked < chunk) break
  }
  // after a backfill, fresh statistics at once, so the planner sees how few rows are left unfilled
  if (filled >= 10_000) await sql`analyze order_kpi_facts`.execute(db)
  return { reopened, claimed, filled, waited: true }
}

/**
 * Reopens the claimed or filled rows of the orders noted in order_kpi_dirty since, and clears
 * the notes read (one statement). A note still uncommitted stays for the next run; until then
 * the KPI queries compute its order themselves.
 */
export async function reopenDirty(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with d as (delete from order_kpi_dirty returning order_id),
    r as (
      update order_kpi_facts k set state = 'open', claim_xid = null
      from (select distinct order_id from d) x where k.order_id = x.order_id and k.state <> 'open'
      returning 1
    )
    select count(*)::int as n from r`.execute(db)
  return rows[0]!.n
}

/** Claims the open rows of orders whose run is not running (one statement: it commits on its own). */
export async function claimIdle(db: Db): Promise<number> {
  const r = await sql`update order_kpi_facts k set state = 'claimed', claim_xid = pg_current_xact_id()
    from runs r where r.order_id = k.order_id and k.state = 'open' and r.status <> 'running'`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

/** The snapshot of a statement run now, after the claim committed (pg_snapshot as text). */
export async function currentSnapshot(db: Db): Promise<string> {
  const { rows } = await sql<{ s: string }>`select pg_current_snapshot()::text as s`.execute(db)
  return rows[0]!.s
}

/**
 * Waits until no transaction that `snapshot` saw running (or not yet begun) is still running.
 * Transaction ids are the server's, not the database's: a long transaction in another database
 * on the same server holds the fill back too (past `waitMs`, the next run tries again).
 */
export async function waitForTransactionsBefore(db: Db, snapshot: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const { rows } = await sql<{ done: boolean }>`select
      pg_snapshot_xmin(pg_current_snapshot()) >= pg_snapshot_xmax(${snapshot}::pg_snapshot) as done`.execute(
      db,
    )
    if (rows[0]!.done) return true
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
}

/**
 * Fills up to `chunk` rows claimed by a transaction `snapshot` sees as committed (a claim made
 * since, by a concurrent rollup, waits for that rollup's own wait). Computes the facts and writes
 * them in one statement; a row reopened since its claim is skipped.
 */
export async function fillClaimed(
  db: Db,
  snapshot: string,
  chunk: number,
): Promise<{ picked: number; filled: number }> {
  const set = sql.join(FACT_COLUMNS.map((c) => sql`${sql.raw(c)} = ${sql.ref(`f.${c}`)}`))
  const { rows } = await sql<{ picked: number; filled: number }>`
    with c as (
      select order_id, claim_xid from order_kpi_facts
      where state = 'claimed' and pg_visible_in_snapshot(claim_xid, ${snapshot}::pg_snapshot)
      order by order_id limit ${chunk}::int
    ), u as (
      -- the same claim still: a row reopened and claimed again by a later rollup meanwhile is
      -- that rollup's to fill (its claim waits for writers this statement's snapshot misses)
      update order_kpi_facts k set state = 'filled', claim_xid = null, ${set}
      from c cross join lateral (${factsOf(sql.ref('c.order_id'))}) f
      where k.order_id = c.order_id and k.state = 'claimed' and k.claim_xid = c.claim_xid
      returning 1
    )
    select (select count(*) from c)::int as picked, (select count(*) from u)::int as filled`.execute(db)
  return rows[0]!
}
