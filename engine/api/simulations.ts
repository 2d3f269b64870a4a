import crypto from 'node:crypto'
import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { kpiDifferences } from '../simulate/report.ts'
import type { RunResult } from '../simulate/run-simulation.ts'
import { dropDeadScratchDbs } from '../simulate/scratch-db.ts'
import { resolveFlow, simulate } from '../simulate/simulate.ts'
import { type Env, guard, readBody } from './guard.ts'

const runners = ['operations', 'analyst'] as const

const version = z.number().int().min(1)
const startBody = z.object({
  // a flow id only (never a file path: resolveFlow would read a .json file of that name)
  flowId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use a flow id (lowercase letters, digits and dashes)'),
  orders: z.number().int().min(1).max(2000).default(200),
  seed: z.number().int().min(1).max(2 ** 31 - 1).optional(),
  version: version.optional().describe('a published version; default: the active one'),
  compare: z.tuple([version, version]).optional().describe('two published versions on the same order stream'),
  days: z.number().min(0.1).max(60).default(7).describe('orders arrive over this many simulated days'),
  tickMinutes: z.number().int().min(1).max(24 * 60).default(15).describe('smallest step of the simulated clock'),
})

type RunSummary = Pick<RunResult, 'flow' | 'orders' | 'runs' | 'simulatedDays' | 'wallSeconds' | 'metrics' | 'kpis'>

export interface Simulation {
  id: string
  status: 'running' | 'done' | 'failed'
  flowId: string
  startedAt: string
  finishedAt?: string
  startedBy: string
  progress: { done: number; total: number }
  result?:
    | RunSummary
    | { compare: { a: RunSummary; b: RunSummary; differences: ReturnType<typeof kpiDifferences> } }
  error?: string
}

/** Finished simulations kept for GET (oldest dropped first). */
const KEEP = 50

/**
 * Simulations started from the editor: run in the background of this API process with the
 * CLI's own simulate(), in scratch databases; their state lives in memory (lost on restart).
 */
export function simulationRoutes({ db, dbUrl }: { db: Db; dbUrl?: string }) {
  const app = new Hono<Env>()
  const sims = new Map<string, Simulation>()
  app.post(
    '/',
    guard({
      summary: 'Start a simulation of synthetic orders through a flow (one at a time)',
      roles: [...runners],
      body: startBody,
    }),
    async (c) => {
      const body = await readBody(c, startBody)
      if (body.version !== undefined && body.compare)
        throw new ApiError(400, 'invalid_request', 'Pass either version or compare, not both.')
      if (!dbUrl)
        throw new ApiError(503, 'unavailable', 'This API process was started without a database URL; run simulations with `orderflow simulate`.')
      const running = [...sims.values()].find((s) => s.status === 'running')
      if (running)
        throw new ApiError(409, 'simulation_running', `Simulation ${running.id} is still running; wait for it to finish.`)
      const flow = await db.selectFrom('flows').select('id').where('id', '=', body.flowId).executeTakeFirst()
      if (!flow) throw new ApiError(404, 'not_found', `Flow "${body.flowId}" does not exist.`)
      // a missing or invalid version is the caller's mistake: say so now, not as a failed simulation
      for (const v of body.compare ?? [body.version]) {
        try {
          await resolveFlow(db, body.flowId, v)
        } catch (e) {
          throw new ApiError(422, 'invalid_flow', e instanceof Error ? e.message : String(e))
        }
      }
      const runs = body.compare ? 2 : 1
      const sim: Simulation = {
        id: crypto.randomUUID(),
        status: 'running',
        flowId: body.flowId,
        startedAt: new Date().toISOString(),
        startedBy: c.get('actor').name,
        progress: { done: 0, total: body.orders * runs },
      }
      sims.set(sim.id, sim)
      for (const old of [...sims.values()].filter((s) => s.status !== 'running').slice(0, Math.max(0, sims.size - KEEP)))
        sims.delete(old.id)
      let run = -1
      const work = async () => {
        await dropDeadScratchDbs(dbUrl)
        const results = await simulate(db, dbUrl, {
          flow: body.flowId,
          version: body.version,
          compare: body.compare?.map(String) as [string, string] | undefined,
          orders: body.orders,
          seed: body.seed ?? 1,
          days: body.days,
          tickMs: body.tickMinutes * 60_000,
          onProgress: () => {
            run++
            const before = run * body.orders
            return (p) => {
              sim.progress = { done: Math.min(sim.progress.total, before + p.placed), total: sim.progress.total }
            }
          },
        })
        const [a, b] = results.map(summaryOf)
        sim.result = b ? { compare: { a: a!, b, differences: kpiDifferences(a!.kpis, b.kpis) } } : a
        sim.progress = { done: sim.progress.total, total: sim.progress.total }
        sim.status = 'done'
      }
      work()
        .catch((e: unknown) => {
          sim.status = 'failed'
          sim.error = e instanceof Error ? e.message : String(e)
        })
        .finally(() => {
          sim.finishedAt = new Date().toISOString()
        })
      return c.json({ id: sim.id, status: sim.status }, 202)
    },
  )
  app.get('/:id', guard({ summary: 'A simulation: progress, then its metrics and KPIs', roles: [...runners] }), (c) => {
    const sim = sims.get(c.req.param('id'))
    if (!sim) throw new ApiError(404, 'not_found', `No simulation ${c.req.param('id')} (simulations are kept in memory until the API restarts).`)
    return c.json(sim)
  })
  return app
}

function summaryOf(r: RunResult): RunSummary {
  return {
    flow: r.flow,
    orders: r.orders,
    runs: r.runs,
    simulatedDays: r.simulatedDays,
    wallSeconds: r.wallSeconds,
    metrics: r.metrics,
    kpis: r.kpis,
  }
}
