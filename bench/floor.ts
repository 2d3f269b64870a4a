import { run } from 'graphile-worker'
import { sql } from 'kysely'
import { silentLogger } from '../engine/migrate.ts'
import type { benchCluster } from './setup.ts'
import { graphilePreset } from '../engine/worker.ts'
import { ENGINE_POOL_SIZE, ENGINE_WORKER_SETTINGS } from './settings.ts'

/**
 * Raw graphile-worker throughput for no-op jobs, bulk-enqueued, with the engine's worker settings
 * (local queue and batched completions), or with `plain`: graphile-worker's defaults (a query per
 * job fetched and per job completed) at concurrency 16, the settings earlier figures were taken with.
 */
export async function floorBench(cluster: Awaited<ReturnType<typeof benchCluster>>, jobs: number, plain = false) {
  const db = await cluster.freshDb(ENGINE_POOL_SIZE)
  try {
    for (let i = 0; i < jobs; i += 5000) {
      const count = Math.min(5000, jobs - i)
      await sql`select graphile_worker.add_jobs(array(
        select row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec
        from generate_series(1, ${count})))`.execute(db.db)
    }
    await sql`analyze graphile_worker._private_jobs`.execute(db.db)
    let done = 0
    let finished!: () => void
    const allDone = new Promise<void>((r) => (finished = r))
    const started = performance.now()
    const runner = await run({
      pgPool: db.pool,
      concurrency: plain ? 16 : ENGINE_WORKER_SETTINGS.concurrency,
      pollInterval: ENGINE_WORKER_SETTINGS.pollInterval,
      preset: plain ? undefined : graphilePreset(ENGINE_WORKER_SETTINGS.concurrency),
      noHandleSignals: true,
      parsedCronItems: [],
      logger: silentLogger,
      taskList: {
        noop: async () => {
          if (++done === jobs) finished()
        },
      },
    })
    await allDone
    const seconds = (performance.now() - started) / 1000
    await runner.stop()
    return { jobs, seconds, jobsPerSecond: jobs / seconds }
  } finally {
    await db.drop()
  }
}
