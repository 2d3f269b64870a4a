import { sql } from 'kysely'
import type { Tx } from '../db.ts'

/**
 * Locks for jobs that share one transaction (runner/job-batcher.ts).
 *
 * A lock PostgreSQL holds for a transaction (a row lock, an advisory lock) keeps other
 * transactions out, but not the other jobs of the same batch: they are the same transaction.
 * A single statement is still atomic (the batch's statements run one at a time), so most of the
 * engine needs nothing more. Code that reads, decides and then writes across several statements
 * and relies on a lock for that takes `transactionLock` instead of the plain advisory lock: in a
 * batch, a second job asking for a key waits until the job holding it has finished its chain,
 * and then sees everything that job wrote.
 *
 * A job that already holds a key never waits for another (no hold-and-wait, so no deadlock
 * inside a batch): it fails with BatchConflict, the batch rolls back and its jobs run alone.
 */
export class BatchConflict extends Error {}

class BatchLocks {
  /** key → the job (its transaction object) holding it, and the jobs waiting for it */
  readonly #held = new Map<string, { holder: Tx; release: Promise<void> }>()
  readonly #ends = new Map<Tx, { keys: Set<string>; end: () => void; ended: Promise<void> }>()
  /** order id → the job running it */
  readonly #orders = new Map<number, Tx>()

  join(tx: Tx) {
    let end!: () => void
    const ended = new Promise<void>((r) => (end = r))
    this.#ends.set(tx, { keys: new Set(), end, ended })
  }

  async acquire(tx: Tx, key: string) {
    const mine = this.#ends.get(tx)
    if (!mine) throw new Error('a job of this batch asked for a lock after it ended')
    for (;;) {
      const held = this.#held.get(key)
      if (!held || held.holder === tx) break
      if (mine.keys.size > 0)
        throw new BatchConflict(`two jobs of one batch need lock "${key}" while holding others`)
      await held.release
    }
    if (!mine.keys.has(key)) {
      mine.keys.add(key)
      this.#held.set(key, { holder: tx, release: mine.ended })
    }
  }

  /**
   * The order row lock (runner/load-head.ts) keeps two jobs of one order apart, but not inside
   * a batch: a second job of an order already in the batch is refused.
   */
  claimOrder(tx: Tx, orderId: number) {
    const holder = this.#orders.get(orderId)
    if (holder && holder !== tx) throw new BatchConflict(`order ${orderId} has two jobs in one batch`)
    this.#orders.set(orderId, tx)
  }

  /** Another job of the batch is running this order and has not written its steps yet. */
  busyElsewhere(tx: Tx, orderId: number): boolean {
    const holder = this.#orders.get(orderId)
    return holder !== undefined && holder !== tx
  }

  /** The job's chain is over: its keys go to whoever waits, its order is written. */
  leave(tx: Tx) {
    const mine = this.#ends.get(tx)
    if (!mine) return
    for (const [orderId, holder] of this.#orders) if (holder === tx) this.#orders.delete(orderId)
    for (const key of mine.keys) this.#held.delete(key)
    this.#ends.delete(tx)
    mine.end()
  }
}

const batches = new WeakMap<Tx, BatchLocks>()

/** A lock registry for one batch; `join` each job's transaction object, `leave` when it ends. */
export function batchLocks() {
  const locks = new BatchLocks()
  return {
    join(tx: Tx) {
      batches.set(tx, locks)
      locks.join(tx)
    },
    leave(tx: Tx) {
      locks.leave(tx)
    },
    claimOrder(tx: Tx, orderId: number) {
      locks.claimOrder(tx, orderId)
    },
  }
}

/**
 * Before an event goes to another order: if a job of the same batch is running that order, it
 * read the order's events before this one and its waiting steps are not written yet, so the event
 * would wake nothing (alone, the order lock makes one of them see the other). The batch rolls
 * back and its jobs run alone instead.
 */
export function refuseIfOrderBusyInBatch(tx: Tx, orderId: number) {
  if (batches.get(tx)?.busyElsewhere(tx, orderId))
    throw new BatchConflict(`an event for order ${orderId}, which another job of this batch is running`)
}

/**
 * `pg_advisory_xact_lock` on `key` for the rest of the transaction, which also keeps other jobs
 * of the same batch out until this job's chain has finished.
 */
export async function transactionLock(tx: Tx, key: string): Promise<void> {
  await batches.get(tx)?.acquire(tx, key)
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx)
}
