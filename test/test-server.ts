import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from '../engine/api/app.ts'
import { createHarness } from './harness.ts'

/**
 * A whole orderflow on a fresh test database, over real HTTP on a free port: API, a worker and
 * the editor from editor/dist (build it first). For browser tests.
 */
export async function startTestServer(opts: { worker?: boolean } = {}) {
  const h = await createHarness()
  if (opts.worker !== false) await h.worker()
  // dbUrl: simulations create their scratch databases on the test database's server
  const app = createApp({ db: h.db, log: h.deps.log, rules: h.deps.rules, dbUrl: h.url })
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: h.adminToken,
    harness: h,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await h.close()
    },
  }
}
