import fs from 'node:fs'
import type { Db } from '../db.ts'
import { graphSchema } from '../graph.ts'
import { CATALOGUE } from '../seed/catalogue.ts'
import { validateGraph } from '../validate-graph.ts'
import { orderStream, type StreamOptions } from './order-stream.ts'
import { compareTable, kpiTable, metricsTable } from './report.ts'
import { type RunOptions, type RunResult, runSimulation, type SimFlow } from './run-simulation.ts'

export interface SimulateOptions
  extends Partial<Omit<StreamOptions, 'start'>>,
    Omit<RunOptions, 'onProgress'> {
  /** A flow id in the real database, or a file exported with `orderflow flow export`. (Default: the default flow) */
  flow?: string
  /** A published version of `flow`. (Default: its active version) */
  version?: number
  /** Two versions (numbers) or flow files to compare on the same order stream. */
  compare?: [string, string]
  /** (Default: 1000) */
  orders?: number
  /** (Default: 1) */
  seed?: number
  /** When the first simulated order is placed. (Default: now) */
  start?: Date
  onProgress?: (label: string) => RunOptions['onProgress']
}

/**
 * `orderflow simulate`: the same seeded order stream through one flow version, or two to
 * compare. Reads the flow, catalogue and templates from `real`, never writes to it.
 */
export async function simulate(real: Db, realUrl: string, opts: SimulateOptions): Promise<RunResult[]> {
  const flows = opts.compare
    ? await Promise.all(opts.compare.map((c) => resolveFlow(real, opts.flow, c)))
    : [await resolveFlow(real, opts.flow, opts.version)]
  const catalogue = await real
    .selectFrom('products')
    .select(['sku', 'name', 'price'])
    .orderBy('sku')
    .execute()
  const items =
    catalogue.length > 0 ? catalogue : CATALOGUE.map((p) => ({ sku: p.sku, name: p.name, price: p.price }))
  const stream = orderStream(items, {
    ...opts,
    seed: opts.seed ?? 1,
    orders: opts.orders ?? 1000,
    start: opts.start ?? new Date(),
  })
  const results: RunResult[] = []
  for (const flow of flows) {
    results.push(
      await runSimulation(real, realUrl, flow, stream, {
        ...opts,
        onProgress: opts.onProgress?.(`${flow.id} v${flow.version}`),
      }),
    )
  }
  return results
}

/** `version` may be a number, a flow file's path, or undefined (the active version of `flowId`). */
export async function resolveFlow(
  real: Db,
  flowId: string | undefined,
  version: number | string | undefined,
): Promise<SimFlow> {
  const file =
    typeof version === 'string' && !/^\d+$/.test(version)
      ? version
      : flowId && fs.existsSync(flowId) && flowId.endsWith('.json')
        ? flowId
        : undefined
  if (file) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { id?: string; name?: string; graph?: unknown }
    const graph = graphSchema.parse(doc.graph ?? doc)
    checkGraph(graph, file)
    return { id: doc.id ?? 'simulated', name: doc.name ?? file, version: 1, graph }
  }
  let q = real.selectFrom('flows').select(['id', 'name', 'active_version'])
  q = flowId ? q.where('id', '=', flowId) : q.where('is_default', '=', true)
  const flow = await q.executeTakeFirst()
  if (!flow)
    throw new Error(
      flowId
        ? `Flow "${flowId}" does not exist (nor a file of that name); pass a flow id or an exported .json file.`
        : 'No default flow; pass --flow <id|file>.',
    )
  const v = version === undefined ? flow.active_version : Number(version)
  if (v === null)
    throw new Error(`Flow "${flow.id}" has no published version; publish it or pass an exported file.`)
  const row = await real
    .selectFrom('flow_versions')
    .select('graph')
    .where('flow_id', '=', flow.id)
    .where('version', '=', v)
    .executeTakeFirst()
  if (!row) throw new Error(`Flow "${flow.id}" has no version ${v}; see GET /api/flows/${flow.id}/versions.`)
  const graph = graphSchema.parse(row.graph)
  checkGraph(graph, `${flow.id} v${v}`)
  return { id: flow.id, name: flow.name, version: v, graph }
}

function checkGraph(graph: ReturnType<typeof graphSchema.parse>, what: string) {
  const errors = validateGraph(graph).filter((p) => p.severity === 'error')
  if (errors.length > 0)
    throw new Error(`${what} is not a valid flow: ${errors.map((e) => e.message).join('; ')}`)
}

/** What the CLI prints after the runs. */
export function summary(results: RunResult[]): string {
  const parts: string[] = []
  for (const r of results) {
    const runs = Object.entries(r.runs)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')
    parts.push(
      `\n${r.flow.id} v${r.flow.version}: ${r.orders} orders, ${r.simulatedDays.toFixed(1)} simulated days in ${r.wallSeconds.toFixed(1)} s (runs: ${runs})\n`,
    )
    parts.push(metricsTable(r.metrics))
    if (results.length === 1) parts.push(`\n${kpiTable(r.kpis)}`)
  }
  if (results.length === 2)
    parts.push(`\nKPIs on the same ${results[0]!.orders} orders:\n${compareTable(results[0]!, results[1]!)}`)
  return `${parts.join('\n')}\n`
}
