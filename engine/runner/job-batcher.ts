import type pg from 'pg'
import type { Db, Tx } from '../db.ts'
import { faultPoint } from '../faults.ts'
import { batchLocks } from './batch-locks.ts'
import type { RunnerDeps } from './deps.ts'
import { executeStepJob, runJobIn } from './execute-step.ts'
import type { Head } from './load-head.ts'
import { Pipeline } from './pipeline.ts'

export interface JobBatcherOptions {
  /** Most jobs in one transaction. (Default: 96) */
  maxBatch?: number
}

type Mode = 'run' | 'wake'

/** Why a batch rolled back, and the job that failed first when one did. */
class BatchFailed {
  constructor(
    readonly error: unknown,
    readonly job?: Waiting,
  ) {}
}

interface Waiting {
  stepId: number
  mode: Mode
  resolve: () => void
  reject: (e: unknown) => void
}

/**
 * Runs many jobs in one transaction on one pipelined connection. Each job is the same code as a
 * job run alone (runJobIn); the jobs run side by side, and the statements they issue in one turn
 * of the event loop leave in one write, without waiting for the answers to the ones before
 * (node-postgres' pipeline mode). A job of ~20 statements then costs the round trips of one
 * batch, not its own: on a machine where a round trip costs more than the work around it, that
 * is most of an order's cost.
 *
 * One batch runs at a time: two would lock inventory rows in whatever order their orders come
 * and could deadlock (measured: no faster either, as PostgreSQL's share of the work runs beside
 * the worker's within one batch). Jobs that arrive while a batch runs wait for the next one; a
 * lone job runs at once through the ordinary path, so a quiet worker adds no delay. If
 * anything in a batch fails (a step throws, a database error, two jobs of one order), the whole
 * transaction rolls back; the job that failed runs alone, exactly as without the batcher (its own
 * transaction, its own retry and error handling), and the others run together again (#send).
 */
export class JobBatcher {
  readonly #db: Db
  readonly #deps: RunnerDeps
  readonly #pool: pg.Pool
  readonly #maxBatch: number
  #queue: Waiting[] = []
  #running = false
  /** Batches committed, and batches that rolled back and ran their jobs alone. */
  batches = 0
  fallbacks = 0
  /** Why the last batch rolled back. */
  lastFailure: unknown
  /** Statements of committed batches, and the socket writes that carried them. */
  statements = 0
  writes = 0

  constructor(db: Db, deps: RunnerDeps, pipelinePool: pg.Pool, opts: JobBatcherOptions = {}) {
    this.#db = db
    this.#deps = deps
    this.#pool = pipelinePool
    this.#maxBatch = opts.maxBatch ?? 96
  }

  run(stepId: number, mode: Mode): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ stepId, mode, resolve, reject })
      // jobs handed over in the same turn of the event loop (graphile-worker's local queue serves
      // several workers at once) go together
      if (this.#queue.length === 1) setImmediate(() => this.#pump())
    })
  }

  #pump() {
    if (this.#running || this.#queue.length === 0) return
    const batch = this.#queue.splice(0, this.#maxBatch)
    this.#running = true
    void this.#send(batch).finally(() => {
      this.#running = false
      this.#pump()
    })
  }

  /**
   * `again`: the batch is what was left of one that failed. A job that fails first in a batch
   * (a step threw, a statement failed, a batch lock conflict) runs alone and the others go
   * together again, once: a flaky provider then costs one job's rollback, not a whole batch run
   * alone. A second failure, or one no job can be blamed for (at commit), runs every job alone.
   */
  async #send(batch: Waiting[], again = false) {
    if (batch.length === 1) return this.#alone(batch[0]!)
    try {
      await this.#together(batch)
    } catch (e) {
      const { error, job } = e instanceof BatchFailed ? e : new BatchFailed(e)
      this.fallbacks++
      this.lastFailure = error
      const regroup = job !== undefined && !again
      this.#deps.log.info(
        { err: String(error), jobs: batch.length },
        regroup
          ? 'a job batch rolled back; the failing job runs alone, the others together again'
          : 'a job batch rolled back; running its jobs alone',
      )
      if (regroup) {
        await this.#send(
          batch.filter((w) => w !== job),
          true,
        )
        await this.#alone(job)
      } else await Promise.all(batch.map((w) => this.#alone(w)))
      return
    }
    this.batches++
    faultPoint('after-step-commit')
    for (const w of batch) w.resolve()
  }

  async #alone(w: Waiting) {
    try {
      await executeStepJob(this.#db, this.#deps, w.stepId, w.mode)
      w.resolve()
    } catch (error) {
      w.reject(error)
    }
  }

  async #together(batch: Waiting[]) {
    const client = await this.#pool.connect()
    let usable = true
    const pipe = new Pipeline(client)
    try {
      await client.query('begin')
      pipe.open()
      const locks = batchLocks()
      const onHead = (tx: Tx) => (head: Head) => locks.claimOrder(tx, head.order.id)
      // the first failure is the cause; once a statement fails, every later one in the
      // transaction fails with "current transaction is aborted"
      let failure: BatchFailed | undefined
      await Promise.all(
        batch.map(async (w) => {
          // each job its own transaction object (all on the one transaction), so locks know whose they are
          const tx = pipe.transaction()
          locks.join(tx)
          try {
            await runJobIn(tx, this.#deps, w.stepId, w.mode, false, onHead(tx))
          } catch (error) {
            failure ??= new BatchFailed(error, w)
          } finally {
            locks.leave(tx)
          }
        }),
      )
      pipe.close()
      if (failure) throw failure
      this.writes += pipe.writes
      this.statements += pipe.statements
      faultPoint('before-step-commit')
      // PostgreSQL answers COMMIT of a transaction an error aborted with ROLLBACK, not an error
      const committed = await client.query('commit')
      if (committed.command !== 'COMMIT') throw new Error(`the batch's transaction ended with ${committed.command}`)
    } catch (error) {
      pipe.close()
      // a connection that cannot even roll back is dropped, not handed to the next batch
      usable = await client.query('rollback').then(
        () => true,
        () => false,
      )
      throw error
    } finally {
      client.release(!usable)
    }
  }
}
