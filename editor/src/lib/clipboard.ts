import type { GraphEdge, GraphNode } from './api-types.ts'
import { edgeId, freshId } from './flow-mapping.ts'

/** What copy puts aside: the selected nodes and the edges between them. */
export interface Fragment {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

export function copyFragment(nodes: readonly GraphNode[], edges: readonly GraphEdge[], selected: ReadonlySet<string>): Fragment {
  return {
    nodes: structuredClone(nodes.filter((n) => selected.has(n.id))),
    edges: structuredClone(edges.filter((e) => selected.has(e.source) && selected.has(e.target))),
  }
}

/**
 * The fragment with fresh ids (so it can be pasted next to its original) moved by `offset`.
 * Triggers are skipped when the flow already has one (a flow has exactly one).
 */
export function pasteFragment(
  fragment: Fragment,
  taken: ReadonlySet<string>,
  offset: { x: number; y: number },
  skipType?: (type: string) => boolean,
): Fragment {
  const ids = new Set(taken)
  const rename = new Map<string, string>()
  const nodes: GraphNode[] = []
  for (const n of fragment.nodes) {
    if (skipType?.(n.type)) continue
    const id = freshId(n.type, ids)
    ids.add(id)
    rename.set(n.id, id)
    nodes.push({ ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } })
  }
  const edges: GraphEdge[] = fragment.edges
    .filter((e) => rename.has(e.source) && rename.has(e.target))
    .map((e) => {
      const source = rename.get(e.source)!
      const target = rename.get(e.target)!
      return { id: edgeId(source, e.sourceHandle, target), source, sourceHandle: e.sourceHandle, target }
    })
  return { nodes, edges }
}
