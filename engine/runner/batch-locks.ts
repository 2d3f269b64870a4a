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

  /** The job's chain is over: its keys go to whoever waits. */
  leave(tx: Tx) {
    const mine = this.#ends.get(tx)
    if (!mine) return
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
  }
}

/**
 * `pg_advisory_xact_lock` on `key` for the rest of the transaction, which also keeps other jobs
 * of the same batch out until this job's chain has finished.
 */
export async function transactionLock(tx: Tx, key: string): Promise<void> {
  await batches.get(tx)?.acquire(tx, key)
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx)
}
