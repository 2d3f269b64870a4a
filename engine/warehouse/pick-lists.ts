import { sql } from 'kysely'
import type { Tx } from '../db.ts'
import { transactionLock } from '../runner/batch-locks.ts'
import type { PickStrategy } from '../db-types.ts'
import { StepFailed } from '../errors.ts'
import type { StockLine } from './reserve-stock.ts'
import { nextWave, type WaveSchedule } from './waves.ts'

export interface PickOptions {
  strategy: PickStrategy
  now: Date
  /** list priority: higher is picked first (see pickPriority) */
  priority: number
  /** batch and zone: an open list is released once it holds this many orders (Default: 10) */
  batchSize?: number
  /** batch and zone: ...or this long after it opened, whichever comes first (Default: 15 minutes) */
  batchWindowMs?: number
  /** wave: the release schedule (Default: every 60 minutes) */
  waves?: WaveSchedule
}

/** Express or high-priority orders are picked first; low-priority ones last. */
export function pickPriority(attributes: Record<string, unknown>): number {
  if (attributes.priority === 'high' || attributes.express === true) return 10
  if (attributes.priority === 'low') return -10
  return 0
}

export interface Assignment {
  pickListIds: number[]
  /** when the earliest of the order's still-open lists is released on its own (window, wave) */
  releaseAt: Date | null
}

/** A line with the bin it is picked from. */
export interface BinnedLine extends StockLine {
  zone: string
  bin: string
}

/**
 * Puts an order's lines on pick lists by strategy. single: one list, released now. batch: the
 * open batch of the same priority, released at N orders or T minutes. zone: the same per zone
 * (one list per zone the order touches). wave: the list of its zone in the next scheduled wave;
 * all zones of a wave are released together by releaseDueLists. A priority order never waits for
 * a batch to fill: its list is released at once, so it reaches a picker first.
 */
export async function addToPickLists(
  tx: Tx,
  orderId: number,
  lines: readonly StockLine[],
  opts: PickOptions,
): Promise<Assignment> {
  const products = await tx
    .selectFrom('products')
    .select(['sku', 'zone', 'bin'])
    .where('sku', 'in', lines.length > 0 ? lines.map((l) => l.sku) : [''])
    .execute()
  const bySku = new Map(products.map((p) => [p.sku, p]))
  assertInCatalogue(lines.filter((l) => !bySku.has(l.sku)).map((l) => l.sku))
  return placeOnLists(tx, orderId, lines.map((l) => ({ ...l, zone: bySku.get(l.sku)!.zone, bin: bySku.get(l.sku)!.bin })), opts)
}

export function assertInCatalogue(missing: readonly string[]) {
  if (missing.length > 0)
    throw new StepFailed(
      `SKU ${missing.join(', ')} is not in the catalogue, so it has no bin to pick from; add the product or fix the order.`,
    )
}

/** addToPickLists for lines whose bins are known already. */
export async function placeOnLists(
  tx: Tx,
  orderId: number,
  lines: readonly BinnedLine[],
  opts: PickOptions,
): Promise<Assignment> {
  if (lines.length === 0) return { pickListIds: [], releaseAt: null }
  // single: one list, released at once, with its lines: one statement and nothing left open
  if (opts.strategy === 'single') return { pickListIds: [await insertSingleList(tx, orderId, lines, opts)], releaseAt: null }
  const zoned = opts.strategy === 'zone' || opts.strategy === 'wave'
  const groups = new Map<string | null, BinnedLine[]>()
  for (const l of lines) {
    const zone = zoned ? l.zone : null
    groups.set(zone, [...(groups.get(zone) ?? []), l])
  }
  const ids: number[] = []
  const zones = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)))
  for (const zone of zones) {
    let listId = await listFor(tx, zone, opts)
    // the lines go only onto a list still open. Alone, listFor's row lock guarantees it; jobs
    // sharing a transaction (runner/job-batcher.ts) share that lock, and another order's step
    // may have released the list in between: then this order takes the next open list.
    for (let attempt = 1; !(await insertLinesIfOpen(tx, listId, orderId, groups.get(zone)!)); attempt++) {
      if (attempt >= 5) throw new Error(`pick list ${listId} kept closing before order ${orderId} could join one; try again`)
      listId = await listFor(tx, zone, opts)
    }
    await maybeReleaseFull(tx, listId, opts)
    ids.push(listId)
  }
  const open = await tx
    .selectFrom('pick_lists')
    .select((eb) => eb.fn.min('release_at').as('at'))
    .where('id', 'in', ids.length ? ids : [0])
    .where('status', '=', 'open')
    .executeTakeFirst()
  return { pickListIds: ids, releaseAt: open?.at ? new Date(open.at as Date) : null }
}

/** Puts lines on a list only while it is open; false (and nothing written) once it is not. */
export async function insertLinesIfOpen(tx: Tx, listId: number, orderId: number, lines: readonly BinnedLine[]): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    with placed as (
      insert into pick_list_lines (pick_list_id, order_id, sku, zone, bin, quantity)
      select ${listId}, ${orderId}, l.sku, l.zone, l.bin, l.quantity
      from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as l(sku text, zone text, bin text, quantity int)
      where exists (select 1 from pick_lists where id = ${listId} and status = 'open')
      returning 1
    )
    select count(*)::int as n from placed`.execute(tx)
  return rows[0]!.n > 0
}

async function insertSingleList(tx: Tx, orderId: number, lines: readonly BinnedLine[], opts: PickOptions) {
  const { rows } = await sql<{ id: number }>`
    with list as (
      insert into pick_lists (strategy, zone, priority, status, created_at, released_at)
      values ('single', null, ${opts.priority}, 'released', ${opts.now}, ${opts.now})
      returning id
    ),
    placed as (
      insert into pick_list_lines (pick_list_id, order_id, sku, zone, bin, quantity)
      select list.id, ${orderId}, l.sku, l.zone, l.bin, l.quantity
      from list, jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as l(sku text, zone text, bin text, quantity int)
    )
    select id from list`.execute(tx)
  return rows[0]!.id
}

/** The open list this order joins (locked, so concurrent orders count each other), or a new one. */
async function listFor(tx: Tx, zone: string | null, opts: PickOptions): Promise<number> {
  const { now, strategy, priority } = opts
  const wave = strategy === 'wave' ? nextWave(now, opts.waves ?? { everyMinutes: 60 }) : null
  let q = tx
    .selectFrom('pick_lists')
    .select('id')
    .where('strategy', '=', strategy)
    .where('status', '=', 'open')
  q = zone === null ? q.where('zone', 'is', null) : q.where('zone', '=', zone)
  q = wave ? q.where('wave', '=', wave.toISOString()) : q.where('priority', '=', priority)
  // find-or-create must not race: two orders arriving together would each open a half-empty
  // batch. A transaction lock per batch key makes them take turns (held until the step commits;
  // in a job batch, until this order's chain ends).
  await transactionLock(tx, `pick_list:${strategy}:${zone ?? ''}:${wave?.toISOString() ?? priority}`)
  const open = await q.orderBy('id').limit(1).forUpdate().executeTakeFirst()
  if (open) {
    if (wave)
      await tx
        .updateTable('pick_lists')
        .set({ priority: sql`greatest(priority, ${priority})` })
        .where('id', '=', open.id)
        .execute()
    return open.id
  }
  const releaseAt = wave ?? new Date(now.getTime() + (opts.batchWindowMs ?? 15 * 60_000))
  const row = await tx
    .insertInto('pick_lists')
    .values({
      strategy,
      zone,
      wave: wave?.toISOString() ?? null,
      priority,
      release_at: releaseAt,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

async function maybeReleaseFull(tx: Tx, listId: number, opts: PickOptions): Promise<void> {
  if (opts.strategy === 'single' || opts.strategy === 'wave') return
  const { n } = await tx
    .selectFrom('pick_list_lines')
    .select((eb) => eb.fn.count<number>('order_id').distinct().as('n'))
    .where('pick_list_id', '=', listId)
    .executeTakeFirstOrThrow()
  if (Number(n) >= (opts.batchSize ?? 10) || opts.priority > 0) {
    await tx
      .updateTable('pick_lists')
      .set({ status: 'released', released_at: opts.now })
      .where('id', '=', listId)
      .where('status', '=', 'open')
      .execute()
  }
}

/** Releases every open list whose time has come (batch windows, waves). Returns their ids. */
export async function releaseDueLists(tx: Tx, now: Date, onlyIds?: number[]): Promise<number[]> {
  if (onlyIds && onlyIds.length === 0) return []
  let update = tx
    .updateTable('pick_lists')
    .set({ status: 'released', released_at: now })
    .where('status', '=', 'open')
    .where('release_at', '<=', now)
  if (onlyIds) update = update.where('id', 'in', onlyIds)
  const rows = await update.returning('id').execute()
  return rows.map((r) => r.id).sort((a, b) => a - b)
}

/** Where an order stands: picked once every line it has on a list that is not yet packed is picked. */
export async function orderPickState(
  tx: Tx,
  orderId: number,
): Promise<{ lists: { id: number; status: string }[]; allPicked: boolean }> {
  const lists = await tx
    .selectFrom('pick_lists')
    .select(['id', 'status'])
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('pick_list_lines')
        .select('pick_list_id')
        .where('order_id', '=', orderId)
        .where('packed_at', 'is', null),
    )
    .orderBy('id')
    .execute()
  return { lists, allPicked: lists.length > 0 && lists.every((l) => l.status === 'picked') }
}

/** The next list a picker should take: highest priority first, then the longest released. */
export async function nextPickList(tx: Tx): Promise<number | undefined> {
  const row = await tx
    .selectFrom('pick_lists')
    .select('id')
    .where('status', '=', 'released')
    .orderBy('priority', 'desc')
    .orderBy('released_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  return row?.id
}
