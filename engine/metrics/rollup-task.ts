import { parseCronItems } from 'graphile-worker'
import type { Db } from '../db.ts'
import type { RunnerDeps } from '../runner/deps.ts'
import { rollupKpiFacts } from './kpi-rollup.ts'
import { rollupSteps } from './rollup.ts'

/**
 * The rollup tasks, on some worker:
 * - rollup_metrics, every 10 minutes, brings the per-node metrics rollup up to date, so a metrics
 *   query reads at most ~15 minutes of steps besides the rollup (and the steps still open);
 * - rollup_kpis, every minute, fills in the KPI facts of orders not being processed (run finished
 *   or waiting), so a KPI query computes only the orders running now or changed in the last
 *   minute or so (on a busy day thousands: each costs the query ~20 µs).
 * A missed run only makes queries read more; their results stay exact.
 */
export const rollupCron = parseCronItems([
  {
    task: 'rollup_metrics',
    match: '*/10 * * * *',
    identifier: 'rollup_metrics',
    options: { jobKey: 'rollup_metrics', maxAttempts: 3 },
  },
  {
    task: 'rollup_kpis',
    match: '* * * * *',
    identifier: 'rollup_kpis',
    options: { jobKey: 'rollup_kpis', maxAttempts: 3 },
  },
])

export function rollupMetricsTask(db: Db, log: RunnerDeps['log']) {
  return async () => {
    const t = performance.now()
    const r = await rollupSteps(db)
    log.debug({ ...r, ms: Math.round(performance.now() - t) }, 'metrics rollup')
  }
}

export function rollupKpisTask(db: Db, log: RunnerDeps['log']) {
  return async () => {
    const t = performance.now()
    const r = await rollupKpiFacts(db)
    const ms = Math.round(performance.now() - t)
    if (!r.waited)
      log.warn(
        { ...r, ms },
        'KPI rollup: a transaction open since before the claim is still running, so nothing was filled; ' +
          'KPIs stay exact but slower until the next run. Look for long transactions in pg_stat_activity.',
      )
    else log.debug({ ...r, ms }, 'KPI rollup')
  }
}
