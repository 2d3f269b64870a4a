import { z } from 'zod'

/** The flow graph as stored in flows.draft and flow_versions.graph, and as the editor edits it. */
export const graphNodeSchema = z.object({
  id: z.string().min(1).max(100),
  type: z.string().min(1),
  /** Display name shown on the canvas; defaults to the node type's title. */
  label: z.string().max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
})

export const graphEdgeSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  source: z.string().min(1),
  /** The output port of the source node this edge leaves from. */
  sourceHandle: z.string().min(1),
  target: z.string().min(1),
})

export const graphSchema = z.object({
  nodes: z.array(graphNodeSchema).max(2000),
  edges: z.array(graphEdgeSchema).max(10000),
})

export type GraphNode = z.infer<typeof graphNodeSchema>
export type GraphEdge = z.infer<typeof graphEdgeSchema>
export type Graph = z.infer<typeof graphSchema>

/** Every node may have an `error` port: permanent failures follow it when it is drawn. */
export const ERROR_PORT = 'error'

export interface GraphProblem {
  severity: 'error' | 'warning'
  /** The node the problem is about; absent for graph-wide problems such as a missing trigger. */
  nodeId?: string
  edgeId?: string
  /** Dotted path inside the node's config for schema problems, e.g. `boxes.0.maxWeightKg`. */
  path?: string
  message: string
}

/** The edges leaving a node's port, in graph order. */
export function edgesFrom(graph: Graph, nodeId: string, port: string): GraphEdge[] {
  return graph.edges.filter((e) => e.source === nodeId && e.sourceHandle === port)
}
