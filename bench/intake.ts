import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import type { benchCluster } from './setup.ts'
import { syntheticOrder } from './simulation.ts'

/**
 * POST /api/orders under concurrent load for a fixed time against `orderflow api` in its own
 * process (no worker in it: this measures intake alone), load from autocannon in this process.
 */
export async function intakeBench(cluster: Awaited<ReturnType<typeof benchCluster>>, seconds: number, connections = 32) {
  const db = await cluster.freshDb(4)
  const port = 3900 + Math.floor(Math.random() * 90)
  const token = 'of_bench_admin_token_0123456789'
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'api'], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), ORDERFLOW_ADMIN_TOKEN: token, LOG_LEVEL: 'warn', ORDERFLOW_CONCURRENCY: '24', ORDERFLOW_INTAKE_RATE_LIMIT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('running at') && resolve())
      child.on('exit', (code) => reject(new Error(`orderflow api exited (${code})`)))
    })
    let i = 1_000_000
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/api/orders`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(syntheticOrder(i++)) }) }],
    })
    return {
      seconds,
      connections,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.non2xx,
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    await db.drop()
  }
}
