import dagre from '@dagrejs/dagre'
import type { CanvasEdge, CanvasNode } from './flow-mapping.ts'

const DEFAULT_W = 230
const DEFAULT_H = 110

/**
 * Left-to-right layered layout with dagre; node sizes come from the canvas measurements when
 * known. Returns new node objects (positions only change), edges are untouched.
 */
export function autoLayout(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): CanvasNode[] {
  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) {
    g.setNode(n.id, { width: n.measured?.width ?? DEFAULT_W, height: n.measured?.height ?? DEFAULT_H })
  }
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target, {}, e.id)
  dagre.layout(g)
  return nodes.map((n) => {
    const p = g.node(n.id)
    if (!p) return n
    // dagre gives centres; Svelte Flow positions are top-left corners
    return { ...n, position: { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) } }
  })
}
