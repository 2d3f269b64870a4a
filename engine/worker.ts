import crypto from 'node:crypto'
import os from 'node:os'
import { EventEmitter } from 'node:events'
import { type Runner, makeWorkerUtils, run } from 'graphile-worker'
import { sql } from 'kysely'
import type pg from 'pg'
import { type Db, openPool } from './db.ts'
import { deliverEmailTask, storeEmailTask } from './email/deliver-email.ts'
import { rollupCron, rollupKpisTask, rollupMetricsTask } from './metrics/rollup-task.ts'
import { silentLogger } from './migrate.ts'
import type { RunnerDeps } from './runner/deps.ts'
import { executeStepJob } from './runner/execute-step.ts'
import { JobBatcher } from './runner/job-batcher.ts'

export interface WorkerOptions {
  db: Db
  pool: pg.Pool
  deps: RunnerDeps
  /**
   * Jobs taken at once. Step jobs among them run in batches of up to `batchSize`; more than one
   * batch's worth, so the next batch's jobs are fetched while one runs. (Default: 192)
   */
  concurrency?: number
  /**
   * Most step jobs run in one transaction on one pipelined connection (runner/job-batcher.ts);
   * 1 runs each job alone. (Default: 96)
   */
  batchSize?: number
  /** Fallback polling when LISTEN/NOTIFY is quiet. (Default: 1000 ms) */
  pollInterval?: number
  /** Seconds without heartbeat before another worker releases this one's jobs. (Default: 30) */
  deadAfterSeconds?: number
  /**
   * 'store': deliver_email jobs never reach SMTP; the email is marked 'stored' in the outbox
   * instead (simulations, whatever SMTP_URL says). (Default: 'smtp', when SMTP is configured)
   */
  emailDelivery?: 'smtp' | 'store'
}

export const WORKER_DEFAULTS = { concurrency: 192, batchSize: 96, pollInterval: 1000 }

/**
 * graphile-worker's batching: jobs fetched (and locked) `concurrency` at a time by one query, and
 * completions sent together, instead of a query per job each way. A new high-priority job waits
 * for the local queue to empty (at most `concurrency` jobs, well under a second at full load).
 */
export function graphilePreset(concurrency: number) {
  return { worker: { localQueue: { size: concurrency }, completeJobBatchDelay: 0 } }
}

export interface OrderflowWorker {
  id: string
  stop(): Promise<void>
  /** Releases jobs locked by worker processes whose heartbeat stopped. Returns how many processes. */
  reapDeadWorkers(): Promise<number>
  /** The step batcher's counts (zeros when batching is off): for the benchmark and logs. */
  batchStats(): { batches: number; fallbacks: number; statements: number; writes: number }
}

/**
 * A graphile-worker runner with the engine's tasks, plus a heartbeat row so that other processes
 * can tell when this one died (kill -9) and release its locked jobs, instead of graphile-worker's
 * 4 hours.
 */
export async function startWorker(opts: WorkerOptions): Promise<OrderflowWorker> {
  const { db, pool, deps } = opts
  const deadAfter = opts.deadAfterSeconds ?? 30
  const id = `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`
  const graphileIds: string[] = []
  const events = new EventEmitter() as Runner['events']
  // jobs are locked by the pool's id (or a worker's, depending on the fetch path): record both
  events.on('pool:create', ({ workerPool }) => {
    graphileIds.push(workerPool.id)
  })
  events.on('worker:create', ({ worker }) => {
    graphileIds.push(worker.workerId)
  })
  await untilReachable(deps, () =>
    db.insertInto('worker_processes').values({ id, hostname: os.hostname(), pid: process.pid }).execute(),
  )
  const utils = await makeWorkerUtils({ pgPool: pool, logger: silentLogger })

  const reapDeadWorkers = async () => {
    const dead = await db
      .deleteFrom('worker_processes')
      .where('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${deadAfter})`)
      .returning(['id', 'graphile_worker_ids'])
      .execute()
    const ids = dead.flatMap((d) => d.graphile_worker_ids)
    if (ids.length > 0) {
      await utils.forceUnlockWorkers(ids)
      deps.log.warn({ processes: dead.map((d) => d.id) }, 'released the jobs of dead worker processes')
    }
    return dead.length
  }
  const heartbeat = async () => {
    await db
      .updateTable('worker_processes')
      .set({ heartbeat_at: sql`now()`, graphile_worker_ids: graphileIds })
      .where('id', '=', id)
      .execute()
  }

  const concurrency = opts.concurrency ?? WORKER_DEFAULTS.concurrency
  const batchSize = opts.batchSize ?? WORKER_DEFAULTS.batchSize
  // the batcher's one connection, in pipeline mode: a pool of one to the same database
  const url = pool.options.connectionString
  const pipelinePool =
    batchSize > 1 && url
      ? openPool(url, {
          max: 1,
          pipeline: true,
          onError: (e) => deps.log.warn({ err: e.message }, 'database connection error'),
        })
      : undefined
  const batcher = pipelinePool && new JobBatcher(db, deps, pipelinePool, { maxBatch: batchSize })
  const runStep = (stepId: number, mode: 'run' | 'wake') =>
    batcher ? batcher.run(stepId, mode) : executeStepJob(db, deps, stepId, mode)
  const options = {
    pgPool: pool,
    concurrency,
    pollInterval: opts.pollInterval ?? WORKER_DEFAULTS.pollInterval,
    noHandleSignals: true,
    parsedCronItems: rollupCron,
    logger: silentLogger,
    events,
    preset: graphilePreset(concurrency),
    taskList: {
      run_step: async (payload: unknown) => runStep(stepIdOf(payload), 'run'),
      wake_step: async (payload: unknown) => runStep(stepIdOf(payload), 'wake'),
      deliver_email: opts.emailDelivery === 'store' ? storeEmailTask(db) : deliverEmailTask(db),
      rollup_metrics: rollupMetricsTask(db, deps.log),
      rollup_kpis: rollupKpisTask(db, deps.log),
    },
  }
  let runner: Runner | undefined
  let stopping = false
  // graphile-worker stops its pool when it cannot record a job's result (the database went
  // away). This process stays up: it releases that pool's jobs and starts a new pool, with backoff.
  const startRunner = async () => {
    const before = graphileIds.length
    const current = await run(options)
    runner = current
    current.promise.catch((error: unknown) => {
      if (stopping) return
      deps.log.error({ err: String(error) }, 'worker pool stopped (database unreachable?); restarting it')
      void restartRunner(graphileIds.slice(before))
    })
  }
  const restartRunner = async (deadIds: string[]) => {
    for (let attempt = 1; !stopping; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** attempt)))
      try {
        if (deadIds.length > 0) await utils.forceUnlockWorkers(deadIds)
        await startRunner()
        deps.log.warn({ attempt }, 'worker pool restarted')
        return
      } catch (error) {
        deps.log.warn({ err: String(error), attempt }, 'worker pool restart failed; trying again')
      }
    }
  }
  await startRunner()
  await heartbeat()
  await reapDeadWorkers()
  const interval = Math.max(1000, Math.min(10_000, (deadAfter * 1000) / 3))
  const timer = setInterval(() => {
    heartbeat()
      .then(reapDeadWorkers)
      .catch((e) => deps.log.warn({ err: String(e) }, 'worker heartbeat failed; retrying'))
  }, interval)
  timer.unref()

  return {
    id,
    reapDeadWorkers,
    batchStats: () => ({
      batches: batcher?.batches ?? 0,
      fallbacks: batcher?.fallbacks ?? 0,
      statements: batcher?.statements ?? 0,
      writes: batcher?.writes ?? 0,
    }),
    async stop() {
      stopping = true
      clearInterval(timer)
      await runner?.stop()
      await pipelinePool?.end()
      await utils.release()
      await db.deleteFrom('worker_processes').where('id', '=', id).execute().catch(() => {})
    },
  }
}

/** A worker started while the database is down waits for it (with backoff) instead of exiting. */
async function untilReachable<T>(deps: RunnerDeps, action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action()
    } catch (error) {
      const code = (error as { code?: string }).code
      const transient = code === 'ECONNREFUSED' || code === '57P03' || code === '57P01' || code === 'ECONNRESET'
      if (!transient || attempt >= 60) throw error
      deps.log.warn({ err: String(error), attempt }, 'database not reachable yet; waiting')
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)))
    }
  }
}

function stepIdOf(payload: unknown, field = 'stepId'): number {
  const value = (payload as Record<string, unknown> | null)?.[field]
  if (typeof value !== 'number') throw new Error(`job payload has no numeric "${field}": ${JSON.stringify(payload)}`)
  return value
}
