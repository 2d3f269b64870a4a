import { type ChildProcess, spawn } from 'node:child_process'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, eventually, type Harness, sampleOrder } from './harness.ts'
import { registerTestNodes } from './test-nodes.ts'

let h: Harness
const children: ChildProcess[] = []

function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-process.ts'], {
    env: { ...process.env, DATABASE_URL: h.url, DEAD_AFTER: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child))
    child.on('exit', (code) => reject(new Error(`worker process exited early (${code})`)))
  })
}

beforeAll(async () => {
  registerTestNodes()
  h = await createHarness()
})
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  await h?.close()
})

describe('a worker killed mid-step', () => {
  it('leaves no trace of the step, and a restarted worker completes the run with one email', async () => {
    const graph = {
      nodes: [
        { id: 'in', type: 'receive', config: {}, position: { x: 0, y: 0 } },
        { id: 'slow', type: 'test-slow', config: { sleepMs: 1500 }, position: { x: 1, y: 0 } },
        { id: 'end', type: 'end', config: {}, position: { x: 2, y: 0 } },
      ],
      edges: [{ source: 'in', sourceHandle: 'next', target: 'slow' }, { source: 'slow', sourceHandle: 'ok', target: 'end' }],
    }
    await h.api('POST', '/api/flows', { id: 'slow', name: 'Slow', graph })
    expect((await h.api('POST', '/api/flows/slow/publish', {})).status).toBe(201)
    const id = (await h.api('POST', '/api/orders', sampleOrder({ flowId: 'slow' }))).body.id

    const victim = await spawnWorker()
    // the run's job is locked (receive and slow run in one job) and its transaction is open
    await eventually(async () => {
      const r = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs
        j where j.locked_at is not null and j.task_id = (select id from graphile_worker._private_tasks where identifier = 'run_step')`.execute(h.db)
      return r.rows[0]!.n === 1
    }, 15_000, 'the slow step to be running')
    await new Promise((r) => setTimeout(r, 300))
    victim.kill('SIGKILL')
    await new Promise((r) => victim.once('exit', r))

    const emailsAfterKill = await h.db.selectFrom('emails').select('id').where('order_id', '=', id).execute()
    expect(emailsAfterKill).toEqual([]) // rolled back with the step
    const run = await h.db.selectFrom('runs').select('status').where('order_id', '=', id).executeTakeFirstOrThrow()
    expect(run.status).toBe('running')

    // a new worker sees the dead one's heartbeat stop, releases its job and finishes the run
    const started = Date.now()
    await h.worker({ deadAfterSeconds: 1 })
    await eventually(async () => {
      const r = await h.db.selectFrom('runs').select('status').where('order_id', '=', id).executeTakeFirstOrThrow()
      return r.status === 'completed'
    }, 20_000, 'the run to complete after the restart')
    const recoveredMs = Date.now() - started
    const emails = await h.db.selectFrom('emails').select(['key']).where('order_id', '=', id).execute()
    expect(emails).toHaveLength(1)
    const steps = await h.db.selectFrom('steps').innerJoin('runs', 'runs.id', 'steps.run_id').select(['steps.node_id', 'steps.status', 'steps.attempt']).where('runs.order_id', '=', id).orderBy('steps.id').execute()
    expect(steps.map((s) => [s.node_id, s.status])).toEqual([['in', 'completed'], ['slow', 'completed'], ['end', 'completed']])
    expect(recoveredMs).toBeLessThan(15_000)
  })
})
