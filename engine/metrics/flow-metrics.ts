import type { Executor } from '../db.ts'
import { notFound } from '../errors.ts'
import type { Graph } from '../graph.ts'
import { type MetricsScope, type NodeFigures, nodeMetrics } from './node-metrics.ts'
import { ratio } from './window.ts'

export interface NodeMetrics extends Omit<NodeFigures, 'nodeType'> {
  type: string
  label: string | null
  waitingNow: number
  /** failed / (completed + failed); null before any step finished */
  errorRate: number | null
  ports: { port: string; count: number; share: number }[]
}

export interface EdgeMetrics {
  id: string
  source: string
  sourceHandle: string
  target: string
  /** orders that went along this edge: the source's count on that port, in each version that has the edge */
  count: number
  /** count / everything that left the source node by any port */
  share: number | null
}

export interface FlowMetrics {
  flowId: string
  /** null: all versions together */
  version: number | null
  versions: number[]
  from: string | null
  to: string | null
  nodes: NodeMetrics[]
  edges: EdgeMetrics[]
}

/**
 * Per-node and per-edge metrics of a flow version (or all versions). Nodes of the graph(s) with
 * no steps appear with zeros, so the canvas can colour every node; nodes no longer in any graph
 * (renamed or deleted) still appear when they have steps.
 */
export async function flowMetrics(db: Executor, scope: MetricsScope): Promise<FlowMetrics> {
  const flow = await db.selectFrom('flows').select('id').where('id', '=', scope.flowId).executeTakeFirst()
  if (!flow) throw notFound('Flow', scope.flowId)
  let q = db.selectFrom('flow_versions').select(['version', 'graph']).where('flow_id', '=', scope.flowId)
  if (scope.version !== undefined) q = q.where('version', '=', scope.version)
  const versions = (await q.orderBy('version').execute()).map((v) => ({
    version: v.version,
    graph: v.graph as Graph,
  }))
  if (scope.version !== undefined && versions.length === 0)
    throw notFound(`Version of flow "${scope.flowId}"`, scope.version)

  const { figures, ports, waiting } = await nodeMetrics(db, scope)

  // the newest version a node appears in gives its type and label
  const graphNodes = new Map<string, { type: string; label: string | null }>()
  for (const { graph } of versions)
    for (const n of graph.nodes) graphNodes.set(n.id, { type: n.type, label: n.label ?? null })
  const byNode = new Map(figures.map((f) => [f.nodeId, f]))
  const ids = [...new Set([...graphNodes.keys(), ...byNode.keys(), ...waiting.keys()])]

  const portTotals = new Map<string, Map<string, number>>()
  for (const p of ports) {
    const m = portTotals.get(p.nodeId) ?? new Map<string, number>()
    m.set(p.port, (m.get(p.port) ?? 0) + p.count)
    portTotals.set(p.nodeId, m)
  }
  const leaving = (nodeId: string) => [...(portTotals.get(nodeId)?.values() ?? [])].reduce((a, b) => a + b, 0)

  const nodes: NodeMetrics[] = ids.map((id) => {
    const f = byNode.get(id) ?? emptyFigures(id, graphNodes.get(id)?.type ?? 'unknown')
    const out = leaving(id)
    const { nodeType, ...rest } = f
    return {
      ...rest,
      type: graphNodes.get(id)?.type ?? nodeType,
      label: graphNodes.get(id)?.label ?? null,
      waitingNow: waiting.get(id) ?? 0,
      errorRate: ratio(f.failed, f.completed + f.failed),
      ports: [...(portTotals.get(id) ?? new Map<string, number>())]
        .map(([port, count]) => ({ port, count, share: count / out }))
        .sort((a, b) => b.count - a.count || a.port.localeCompare(b.port)),
    }
  })

  // an edge is identified by source, port and target: the same edge in several versions adds up
  const edges = new Map<string, EdgeMetrics>()
  const countIn = new Map(ports.map((p) => [`${p.version}\u0000${p.nodeId}\u0000${p.port}`, p.count]))
  for (const { version, graph } of versions) {
    for (const e of graph.edges) {
      const key = `${e.source}\u0000${e.sourceHandle}\u0000${e.target}`
      const edge = edges.get(key) ?? {
        id: e.id ?? `${e.source}:${e.sourceHandle}->${e.target}`,
        source: e.source,
        sourceHandle: e.sourceHandle,
        target: e.target,
        count: 0,
        share: null,
      }
      edge.count += countIn.get(`${version}\u0000${e.source}\u0000${e.sourceHandle}`) ?? 0
      edges.set(key, edge)
    }
  }
  for (const edge of edges.values()) edge.share = ratio(edge.count, leaving(edge.source))

  return {
    flowId: scope.flowId,
    version: scope.version ?? null,
    versions: versions.map((v) => v.version),
    from: scope.from?.toISOString() ?? null,
    to: scope.to?.toISOString() ?? null,
    nodes,
    edges: [...edges.values()],
  }
}

function emptyFigures(nodeId: string, nodeType: string): NodeFigures {
  const none = { p50: null, p95: null, mean: null }
  return {
    nodeId,
    nodeType,
    entered: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    retried: 0,
    processingMs: none,
    waitingMs: { ...none },
  }
}
