import path from 'node:path'
import { WORKER_DEFAULTS } from './worker.ts'

/** Everything orderflow reads from the environment, in one place. */
export interface Config {
  /** HTTP port of the API and editor. (Default: 3000, env `PORT`) */
  port: number
  /** An external PostgreSQL; when unset an embedded one is started. (env `DATABASE_URL`) */
  databaseUrl: string | undefined
  /** Where the embedded PostgreSQL keeps its data. (Default: `./.orderflow`, env `ORDERFLOW_DATA_DIR`) */
  dataDir: string
  /** A fixed admin token for headless use. (env `ORDERFLOW_ADMIN_TOKEN`) */
  adminToken: string | undefined
  /** Deliver outbox emails through this SMTP server. (env `SMTP_URL`) */
  smtpUrl: string | undefined
  /** The shop named in emails. (env `ORDERFLOW_SHOP_NAME`, `ORDERFLOW_SUPPORT_EMAIL`, `ORDERFLOW_SHOP_URL`) */
  shop: { name?: string; supportEmail?: string; url?: string }
  /** Jobs a worker process takes at once. (Default: 192, env `ORDERFLOW_CONCURRENCY`) */
  concurrency: number
  /** Most step jobs run together in one transaction; 1 runs each alone. (Default: 96, env `ORDERFLOW_BATCH_SIZE`) */
  batchSize: number
  /** Seconds without a heartbeat after which a worker is declared dead and its jobs released. (Default: 30, env `ORDERFLOW_DEAD_WORKER_AFTER`) */
  deadWorkerAfterSeconds: number
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intVar(env, 'PORT', 3000),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.ORDERFLOW_DATA_DIR || '.orderflow'),
    adminToken: env.ORDERFLOW_ADMIN_TOKEN || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    shop: {
      name: env.ORDERFLOW_SHOP_NAME || undefined,
      supportEmail: env.ORDERFLOW_SUPPORT_EMAIL || undefined,
      url: env.ORDERFLOW_SHOP_URL || undefined,
    },
    concurrency: intVar(env, 'ORDERFLOW_CONCURRENCY', WORKER_DEFAULTS.concurrency),
    batchSize: intVar(env, 'ORDERFLOW_BATCH_SIZE', WORKER_DEFAULTS.batchSize),
    deadWorkerAfterSeconds: intVar(env, 'ORDERFLOW_DEAD_WORKER_AFTER', 30),
  }
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a whole number; set it to e.g. ${fallback} or unset it.`)
  }
  return value
}
