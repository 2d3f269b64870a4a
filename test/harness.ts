import { sql } from 'kysely'
import pino from 'pino'
import { defaultServices } from '../engine/adapters/index.ts'
import { createApp } from '../engine/api/app.ts'
import { createToken } from '../engine/api/tokens-store.ts'
import type { Role } from '../engine/db-types.ts'
import { seedTemplates } from '../engine/email/template-store.ts'
import { type Clock, type NodeServices, systemClock } from '../engine/node-contract.ts'
import type { RunnerDeps } from '../engine/runner/deps.ts'
import { RuleEngineCache } from '../engine/rules.ts'
import { seed } from '../engine/seed/seed.ts'
import { type OrderflowWorker, startWorker } from '../engine/worker.ts'
import { createTestDb } from './test-db.ts'

/** A clock tests can move forward; `Harness.advance` also makes jobs due in its time run now. */
export class TestClock implements Clock {
  offsetMs = 0
  now() {
    return new Date(Date.now() + this.offsetMs)
  }
}

export interface Harness {
  db: Awaited<ReturnType<typeof createTestDb>>['db']
  pool: Awaited<ReturnType<typeof createTestDb>>['pool']
  url: string
  deps: RunnerDeps
  adminToken: string
  tokenFor(role: Role): Promise<string>
  /** An in-memory request to the API (no server), as admin unless a token is given. */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>
  worker(opts?: { deadAfterSeconds?: number }): Promise<OrderflowWorker>
  /**
   * Moves the harness's TestClock forward (pass `clock: new TestClock()` to createHarness) and
   * makes every job whose run_at has passed in clock time due now, so deadlines fire through the
   * real job path.
   */
  advance(ms: number): Promise<void>
  close(): Promise<void>
}

/**
 * A real database (cloned from the migrated template), seeded, with the API app in memory and
 * workers on demand. Only the outside world (payment, carrier, SMTP) is simulated.
 */
export async function createHarness(opts: { services?: NodeServices; clock?: Clock; retryBaseMs?: number; seed?: boolean } = {}): Promise<Harness> {
  const handle = await createTestDb()
  const { db, pool } = handle
  await seedTemplates(db)
  if (opts.seed !== false) await seed(db)
  const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
  const deps: RunnerDeps = {
    services: opts.services ?? defaultServices(db),
    rules: new RuleEngineCache(),
    clock: opts.clock ?? systemClock,
    log,
    maxAttempts: 3,
    retryBaseMs: opts.retryBaseMs ?? 50,
    maxChain: 50,
  }
  const app = createApp({ db, log, rules: deps.rules, dbUrl: handle.url })
  const admin = await createToken(db, 'test admin', 'admin')
  const workers: OrderflowWorker[] = []
  const tokens = new Map<Role, string>()
  return {
    db,
    pool,
    url: handle.url,
    deps,
    adminToken: admin.token,
    async tokenFor(role) {
      if (!tokens.has(role)) tokens.set(role, (await createToken(db, `test ${role}`, role)).token)
      return tokens.get(role)!
    },
    async api(method, path, body, token = admin.token) {
      const headers: Record<string, string> = {}
      if (token) headers.Authorization = `Bearer ${token}`
      if (body !== undefined) headers['Content-Type'] = 'application/json'
      const res = await app.request(path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {}
      return { status: res.status, body: parsed }
    },
    async worker(o = {}) {
      const w = await startWorker({ db, pool, deps, concurrency: 4, pollInterval: 100, ...o })
      workers.push(w)
      return w
    },
    async advance(ms) {
      const clock = deps.clock
      if (!(clock instanceof TestClock)) throw new Error('advance() needs createHarness({ clock: new TestClock() })')
      clock.offsetMs += ms
      await sql`update graphile_worker._private_jobs set run_at = now()
        where run_at <= ${clock.now()}::timestamptz and run_at > now() and locked_at is null`.execute(db)
      await sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(db)
    },
    async close() {
      for (const w of workers) await w.stop()
      await handle.close()
    },
  }
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value) return value
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

let counter = 0
/** A valid generic order, as in the engine issue; override any field. */
export function sampleOrder(overrides: Record<string, unknown> = {}) {
  counter++
  return {
    channel: 'web',
    externalId: `T-${process.pid}-${Date.now()}-${counter}`,
    currency: 'EUR',
    customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
    shippingMethod: 'standard',
    paymentMethod: 'card',
    lines: [{ sku: 'MUG-01', quantity: 2, unitPrice: '12.50' }],
    totals: { subtotal: '25.00', shipping: '4.90', tax: '0.00', total: '29.90' },
    ...overrides,
  }
}
