import { parseArgs } from 'node:util'
import type { Config } from '../config.ts'
import { seedTemplates } from '../email/template-store.ts'
import { seed } from '../seed/seed.ts'
import { connect } from '../server.ts'
import { progressBar } from './progress-bar.ts'
import { dropDeadScratchDbs } from './scratch-db.ts'
import { simulate, summary } from './simulate.ts'

export const SIMULATE_USAGE =
  'simulate [--flow <id|file>] [--orders 1000] [--version N] [--seed S] [--compare A,B] [--days 7]   synthetic orders through a flow in a scratch database; metrics and KPIs'

/** `orderflow simulate ...`: prints a progress bar on stderr, then the tables on stdout. */
export async function simulateCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      flow: { type: 'string' },
      orders: { type: 'string', default: '1000' },
      version: { type: 'string' },
      seed: { type: 'string', default: '1' },
      compare: { type: 'string' },
      days: { type: 'string', default: '7' },
      'tick-minutes': { type: 'string', default: '15' },
    },
  })
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number from 1, not "${v}".`)
    return n
  }
  const compare = values.compare?.split(',').map((s) => s.trim())
  if (compare && compare.length !== 2)
    throw new Error('--compare takes two versions or flow files, e.g. --compare 3,4')
  const conn = await connect(config)
  try {
    // a database nobody started orderflow on yet gets what the first start seeds (default flow,
    // catalogue, templates): never orders, so the real data stays as it was
    await seedTemplates(conn.handle.db)
    await seed(conn.handle.db)
    await dropDeadScratchDbs(conn.handle.url)
    const results = await simulate(conn.handle.db, conn.handle.url, {
      flow: values.flow,
      version: int('version', values.version),
      orders: int('orders', values.orders),
      seed: int('seed', values.seed),
      days: Number(values.days),
      tickMs: Number(values['tick-minutes']) * 60_000,
      compare: compare as [string, string] | undefined,
      onProgress: (label) => progressBar(label).update,
    })
    process.stdout.write(summary(results))
  } finally {
    await conn.close()
  }
}
