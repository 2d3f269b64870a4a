import { z } from 'zod'
import { getNodeType as registryLookup } from '../nodes/index.ts'
import { ERROR_PORT, type Graph, type GraphProblem } from './graph.ts'
import { type NodeDefinition, portsOf } from './node-contract.ts'

type Lookup = (type: string) => NodeDefinition | undefined

/**
 * Every problem of a graph at once, keyed by node id, each saying what to do. Errors block
 * publishing; warnings (an output port with no edge) do not.
 */
export function validateGraph(input: unknown, getNodeType: Lookup = registryLookup): GraphProblem[] {
  const shape = z.object({ nodes: z.array(z.unknown()), edges: z.array(z.unknown()) }).safeParse(input)
  if (!shape.success) {
    return [{ severity: 'error', message: 'A flow graph is an object with "nodes" and "edges" arrays.' }]
  }
  const problems: GraphProblem[] = []
  const graph: Graph = { nodes: [], edges: [] }
  shape.data.nodes.forEach((raw, i) => {
    const parsed = z
      .object({ id: z.string().min(1), type: z.string().min(1), config: z.record(z.string(), z.unknown()).default({}) })
      .passthrough()
      .safeParse(raw)
    if (!parsed.success) {
      problems.push({ severity: 'error', message: `Node #${i + 1} needs a string "id" and "type" and an object "config".` })
    } else if (graph.nodes.some((n) => n.id === parsed.data.id)) {
      problems.push({ severity: 'error', nodeId: parsed.data.id, message: `Two nodes share the id "${parsed.data.id}"; give each node its own id.` })
    } else {
      graph.nodes.push({ position: { x: 0, y: 0 }, ...parsed.data })
    }
  })
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]))
  const ports = new Map<string, string[]>()

  for (const node of graph.nodes) {
    const def = getNodeType(node.type)
    if (!def) {
      problems.push({ severity: 'error', nodeId: node.id, message: `Node "${node.id}" has unknown type "${node.type}"; replace it with a type from the palette.` })
      continue
    }
    const result = def.config.safeParse(node.config)
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = issue.path.join('.')
        problems.push({
          severity: 'error',
          nodeId: node.id,
          path: path || undefined,
          message: `Node "${node.id}" (${def.title}): ${path ? `setting "${path}" ` : ''}${issue.message}; fix it in the inspector.`,
        })
      }
    }
    ports.set(node.id, portsOf(def, node.config))
  }

  shape.data.edges.forEach((raw, i) => {
    const parsed = z.object({ id: z.string().optional(), source: z.string(), sourceHandle: z.string(), target: z.string() }).safeParse(raw)
    if (!parsed.success) {
      problems.push({ severity: 'error', message: `Edge #${i + 1} needs string "source", "sourceHandle" (the output port) and "target".` })
      return
    }
    const edge = parsed.data
    const edgeId = edge.id
    if (!nodes.has(edge.source)) {
      problems.push({ severity: 'error', edgeId, nodeId: edge.target, message: `An edge into "${edge.target}" comes from node "${edge.source}", which does not exist; delete the edge.` })
      return
    }
    if (!nodes.has(edge.target)) {
      problems.push({ severity: 'error', edgeId, nodeId: edge.source, message: `Output "${edge.sourceHandle}" of "${edge.source}" leads to node "${edge.target}", which does not exist; reconnect or delete the edge.` })
      return
    }
    const known = ports.get(edge.source)
    if (known && edge.sourceHandle !== ERROR_PORT && !known.includes(edge.sourceHandle)) {
      problems.push({ severity: 'error', edgeId, nodeId: edge.source, message: `Node "${edge.source}" has no output "${edge.sourceHandle}" (it has ${known.length ? known.map((p) => `"${p}"`).join(', ') : 'none'}); reconnect the edge from an existing output.` })
      return
    }
    if (getNodeType(nodes.get(edge.target)!.type)?.trigger) {
      problems.push({ severity: 'error', edgeId, nodeId: edge.target, message: `Trigger "${edge.target}" cannot have incoming edges; a trigger only starts the flow.` })
      return
    }
    graph.edges.push(edge)
  })

  const triggers = graph.nodes.filter((n) => getNodeType(n.type)?.trigger)
  if (triggers.length === 0) {
    problems.push({ severity: 'error', message: 'The flow has no trigger; add a "Receive order" node where orders enter.' })
  } else if (triggers.length > 1) {
    for (const t of triggers.slice(1)) {
      problems.push({ severity: 'error', nodeId: t.id, message: `Node "${t.id}" is a second trigger; a flow has exactly one (keep "${triggers[0]!.id}", delete this one).` })
    }
  }

  const reachable = new Set<string>()
  const stack = triggers.slice(0, 1).map((t) => t.id)
  while (stack.length) {
    const id = stack.pop()!
    if (reachable.has(id)) continue
    reachable.add(id)
    for (const e of graph.edges) if (e.source === id) stack.push(e.target)
  }
  if (triggers.length > 0) {
    for (const node of graph.nodes) {
      if (!reachable.has(node.id) && !getNodeType(node.type)?.trigger) {
        problems.push({ severity: 'error', nodeId: node.id, message: `Node "${node.id}" cannot be reached from the trigger; connect an output to it or delete it.` })
      }
    }
  }

  problems.push(...busyCycles(graph, getNodeType))

  for (const node of graph.nodes) {
    for (const port of ports.get(node.id) ?? []) {
      if (!graph.edges.some((e) => e.source === node.id && e.sourceHandle === port)) {
        problems.push({ severity: 'warning', nodeId: node.id, message: `Node "${node.id}" has no edge from output "${port}"; connect it, or orders that leave there end their path.` })
      }
    }
  }
  return problems
}

/** A cycle without a waiting node would spin for ever; report one node per such cycle. */
function busyCycles(graph: Graph, getNodeType: Lookup): GraphProblem[] {
  // Tarjan's strongly connected components over the non-waiting nodes only: any cycle left
  // in that subgraph has no node that can park the run.
  const busy = graph.nodes.filter((n) => !getNodeType(n.type)?.waits).map((n) => n.id)
  const busySet = new Set(busy)
  const next = new Map<string, string[]>(busy.map((id) => [id, []]))
  for (const e of graph.edges) if (busySet.has(e.source) && busySet.has(e.target)) next.get(e.source)!.push(e.target)
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const problems: GraphProblem[] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      const selfLoop = next.get(v)!.includes(v)
      if (component.length > 1 || selfLoop) {
        const names = component.reverse().map((id) => `"${id}"`).join(' → ')
        problems.push({ severity: 'error', nodeId: v, message: `Nodes ${names} form a loop with no waiting node; an order would cycle for ever. Add a Wait node to the loop or break it.` })
      }
    }
  }
  for (const v of busy) if (!idx.has(v)) visit(v)
  return problems
}
