import crypto from 'node:crypto'
import pg from 'pg'
import type { Db } from '../db.ts'
import { type DbHandle, openDb } from '../db.ts'
import { seedTemplates } from '../email/template-store.ts'
import type { Graph } from '../graph.ts'
import { migrate } from '../migrate.ts'
import { seedCatalogue } from '../seed/catalogue.ts'

export const SCRATCH_PREFIX = 'orderflow_sim_'

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * A database of its own for one simulation, on the same server as the real one, migrated
 * fresh: simulated orders can never mix with real ones, and dropping it removes every trace.
 * (Cloning the real database as a TEMPLATE would need it to have no other sessions.)
 */
export async function createScratchDb(
  realUrl: string,
): Promise<DbHandle & { name: string; drop(): Promise<void> }> {
  const name = `${SCRATCH_PREFIX}${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  await admin(realUrl, async (c) => {
    await c.query(`create database ${name}`)
    // a throwaway database need not wait for each commit to reach the disk: far faster steps
    await c.query(`alter database ${name} set synchronous_commit = off`)
  })
  const url = withDatabase(realUrl, name)
  const handle = openDb(url, { max: 20 })
  const drop = async () => {
    await handle.close()
    await admin(realUrl, (c) => c.query(`drop database if exists ${name} with (force)`))
  }
  try {
    await migrate(handle.db, url)
  } catch (e) {
    await drop()
    throw e
  }
  return { ...handle, name, drop }
}

/**
 * What a simulation takes from the real database, read-only: the catalogue with its stock and
 * the email templates (the demo ones when the real database has none), and the flow version.
 */
export async function copyWorld(real: Db, scratch: Db): Promise<void> {
  const products = await real.selectFrom('products').selectAll().execute()
  if (products.length > 0) {
    await scratch.insertInto('products').values(products).execute()
    const stock = await real.selectFrom('inventory').select(['sku', 'on_hand']).execute()
    if (stock.length > 0)
      await scratch
        .insertInto('inventory')
        .values(stock.map((s) => ({ sku: s.sku, on_hand: s.on_hand })))
        .execute()
  } else {
    await seedCatalogue(scratch)
  }
  const templates = await real.selectFrom('email_templates').selectAll().execute()
  if (templates.length > 0) await scratch.insertInto('email_templates').values(templates).execute()
  else await seedTemplates(scratch)
}

/** Installs the flow graph in the scratch database as `version`, active. */
export async function installFlow(
  scratch: Db,
  flow: { id: string; name: string; version: number; graph: Graph },
): Promise<void> {
  const graph = JSON.stringify(flow.graph)
  await scratch
    .insertInto('flows')
    .values({ id: flow.id, name: flow.name, draft: graph, active_version: flow.version, is_default: true })
    .execute()
  await scratch
    .insertInto('flow_versions')
    .values({ flow_id: flow.id, version: flow.version, graph, published_by: 'simulation', note: 'simulated' })
    .execute()
}

/**
 * Drops the scratch databases of simulations whose process is gone (Ctrl-C, kill -9): the pid
 * is in the name. Only safe for processes on this machine, which is where the CLI runs them.
 */
export async function dropDeadScratchDbs(realUrl: string): Promise<string[]> {
  return admin(realUrl, async (c) => {
    const r = await c.query<{ datname: string }>(
      `select datname from pg_database where datname like '${SCRATCH_PREFIX}%'`,
    )
    const dead = r.rows
      .map((x) => x.datname)
      .filter((name) => !isAlive(Number(name.slice(SCRATCH_PREFIX.length).split('_')[0])))
    for (const name of dead) await c.query(`drop database if exists ${name} with (force)`)
    return dead
  })
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
