import { parseCronItems } from 'graphile-worker'
import type { Db } from '../db.ts'
import type { RunnerDeps } from '../runner/deps.ts'
import { rollupSteps } from './rollup.ts'

/**
 * The rollup_metrics task: every 10 minutes a worker brings the per-node metrics rollup up to
 * date, so a metrics query reads at most ~15 minutes of steps besides the rollup (and the steps
 * still open). A missed run only makes queries read more steps; their results stay exact.
 */
export const rollupCron = parseCronItems([
  {
    task: 'rollup_metrics',
    match: '*/10 * * * *',
    identifier: 'rollup_metrics',
    options: { jobKey: 'rollup_metrics', maxAttempts: 3 },
  },
])

export function rollupMetricsTask(db: Db, log: RunnerDeps['log']) {
  return async () => {
    const t = performance.now()
    const r = await rollupSteps(db)
    log.debug({ ...r, ms: Math.round(performance.now() - t) }, 'metrics rollup')
  }
}
