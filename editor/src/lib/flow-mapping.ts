import type { Edge, Node } from '@xyflow/svelte'
import type { Graph, GraphNode, GraphProblem } from './api-types.ts'

/** The data carried by each canvas node; the graph node minus its position. */
export interface CardData extends Record<string, unknown> {
  type: string
  label?: string
  config: Record<string, unknown>
  problems: GraphProblem[]
}

export type CanvasNode = Node<CardData, 'card'>
export type CanvasEdge = Edge

/** A card's usual size; NodeCard.svelte's CSS sets the width. */
export const CARD_WIDTH = 220
export const CARD_HEIGHT = 96

/** The single input handle's id on every node. */
export const INPUT_HANDLE = 'in'

export function edgeId(source: string, port: string, target: string): string {
  return `${source}:${port}->${target}`
}

export function toCanvas(graph: Graph): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const nodes = graph.nodes.map(
    (n): CanvasNode => ({
      id: n.id,
      type: 'card',
      position: { x: n.position?.x ?? 0, y: n.position?.y ?? 0 },
      // size hints for nodes not measured yet (off screen on big flows): fitView needs them
      initialWidth: CARD_WIDTH,
      initialHeight: CARD_HEIGHT,
      data: { type: n.type, label: n.label, config: n.config ?? {}, problems: [] },
    }),
  )
  const edges = graph.edges.map(
    (e): CanvasEdge => ({
      id: e.id ?? edgeId(e.source, e.sourceHandle, e.target),
      source: e.source,
      sourceHandle: e.sourceHandle,
      target: e.target,
      targetHandle: INPUT_HANDLE,
      class: e.sourceHandle === 'error' ? 'edge-error-port' : undefined,
    }),
  )
  return { nodes, edges }
}

export function toGraph(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): Graph {
  return {
    nodes: nodes.map((n): GraphNode => {
      const g: GraphNode = {
        id: n.id,
        type: n.data.type,
        config: n.data.config,
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      }
      if (n.data.label) g.label = n.data.label
      return g
    }),
    edges: edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target })),
  }
}

/** A node id not used yet: `<type>-<n>`. */
export function freshId(type: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const id = `${type}-${n}`
    if (!taken.has(id)) return id
  }
}

/** Problems by node id, plus the ones about the whole graph or edges only. */
export function groupProblems(problems: readonly GraphProblem[]): {
  byNode: Map<string, GraphProblem[]>
  byEdge: Map<string, GraphProblem[]>
} {
  const byNode = new Map<string, GraphProblem[]>()
  const byEdge = new Map<string, GraphProblem[]>()
  for (const p of problems) {
    if (p.nodeId) byNode.set(p.nodeId, [...(byNode.get(p.nodeId) ?? []), p])
    if (p.edgeId) byEdge.set(p.edgeId, [...(byEdge.get(p.edgeId) ?? []), p])
  }
  return { byNode, byEdge }
}

/** Where an order is on the canvas: each node's latest step status, as a highlight. */
export function orderHighlight(steps: readonly { nodeId: string; status: string }[]): Map<string, 'done' | 'current' | 'failed'> {
  const map = new Map<string, 'done' | 'current' | 'failed'>()
  for (const s of steps) {
    map.set(s.nodeId, s.status === 'failed' ? 'failed' : s.status === 'completed' ? 'done' : 'current')
  }
  return map
}
