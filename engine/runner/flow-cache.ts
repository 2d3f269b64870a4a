import { getNodeType } from '../../nodes/index.ts'
import type { Executor } from '../db.ts'
import type { Graph, GraphEdge, GraphNode } from '../graph.ts'

/** A published version, indexed for the runner. Versions are immutable, so caching is safe. */
export interface CompiledFlow {
  graph: Graph
  nodes: Map<string, GraphNode>
  /** `${nodeId}\u0000${port}` → edges leaving that port */
  edges: Map<string, GraphEdge[]>
  triggerId: string
  /** each node's config as its schema parsed it, on first use (frozen: every run shares it) */
  configs: Map<string, ParsedConfig>
}

export type ParsedConfig = { success: true; data: Record<string, unknown> } | { success: false; message: string }

const cache = new Map<string, CompiledFlow>()

export async function loadFlowVersion(db: Executor, flowId: string, version: number): Promise<CompiledFlow> {
  const key = `${flowId}@${version}`
  const hit = cache.get(key)
  if (hit) return hit
  const row = await db
    .selectFrom('flow_versions')
    .select('graph')
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow(() => new Error(`Flow ${flowId} has no version ${version}.`))
  const compiled = compileFlow(row.graph as Graph)
  if (cache.size > 1000) cache.clear()
  cache.set(key, compiled)
  return compiled
}

export function compileFlow(graph: Graph): CompiledFlow {
  const edges = new Map<string, GraphEdge[]>()
  for (const e of graph.edges) {
    const k = `${e.source}\u0000${e.sourceHandle}`
    edges.set(k, [...(edges.get(k) ?? []), e])
  }
  const trigger = graph.nodes.find((n) => getNodeType(n.type)?.trigger)
  return {
    graph,
    nodes: new Map(graph.nodes.map((n) => [n.id, n])),
    edges,
    triggerId: trigger?.id ?? '',
    configs: new Map(),
  }
}

/** A node's config checked by its type's schema, once per flow version (versions never change). */
export function parsedConfig(flow: CompiledFlow, node: GraphNode): ParsedConfig {
  let parsed = flow.configs.get(node.id)
  if (!parsed) {
    const result = getNodeType(node.type)!.config.safeParse(node.config)
    parsed = result.success
      ? { success: true, data: deepFreeze(result.data as Record<string, unknown>) }
      : { success: false, message: result.error.message }
    flow.configs.set(node.id, parsed)
  }
  return parsed
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

export function nextEdges(flow: CompiledFlow, nodeId: string, port: string): GraphEdge[] {
  return flow.edges.get(`${nodeId}\u0000${port}`) ?? []
}
