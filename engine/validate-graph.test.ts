import { describe, expect, it } from 'vitest'
import type { Graph } from './graph.ts'
import { validateGraph } from './validate-graph.ts'

const node = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config, position: { x: 0, y: 0 } })
const edge = (source: string, sourceHandle: string, target: string) => ({ id: `${source}-${sourceHandle}-${target}`, source, sourceHandle, target })

const good: Graph = {
  nodes: [node('in', 'receive'), node('wait', 'wait', { events: ['packed'], timeoutMs: 2000 }), node('mail', 'send-email', { template: 'shipped' }), node('end', 'end')],
  edges: [edge('in', 'next', 'wait'), edge('wait', 'event', 'mail'), edge('wait', 'timeout', 'mail'), edge('mail', 'sent', 'end')],
}

const errorsOf = (g: unknown) => validateGraph(g).filter((p) => p.severity === 'error')

describe('validateGraph', () => {
  it('accepts a well-formed flow without problems', () => {
    expect(validateGraph(good)).toEqual([])
  })

  it('reports an unknown node type on that node', () => {
    const problems = errorsOf({ ...good, nodes: [...good.nodes, node('x', 'teleport')], edges: [...good.edges, edge('mail', 'sent', 'x')] })
    expect(problems).toEqual([expect.objectContaining({ nodeId: 'x', message: expect.stringContaining('unknown type "teleport"') })])
  })

  it('reports config that fails the schema with the field path', () => {
    const g = structuredClone(good)
    g.nodes[1]!.config = { events: [], timeoutMs: -5 }
    const problems = errorsOf(g)
    expect(problems).toContainEqual(expect.objectContaining({ nodeId: 'wait', path: 'timeoutMs' }))
    g.nodes[1]!.config = { events: [] }
    expect(errorsOf(g)).toContainEqual(expect.objectContaining({ nodeId: 'wait', message: expect.stringContaining('wait for ever') }))
  })

  it('reports edges from or to missing nodes and from missing ports', () => {
    const g = { ...good, edges: [...good.edges, edge('ghost', 'next', 'end'), edge('mail', 'sent', 'nowhere'), edge('in', 'bogus', 'end')] }
    const problems = errorsOf(g)
    expect(problems).toContainEqual(expect.objectContaining({ nodeId: 'end', message: expect.stringContaining('"ghost", which does not exist') }))
    expect(problems).toContainEqual(expect.objectContaining({ nodeId: 'mail', message: expect.stringContaining('"nowhere", which does not exist') }))
    expect(problems).toContainEqual(expect.objectContaining({ nodeId: 'in', message: expect.stringContaining('no output "bogus"') }))
    expect(problems).toHaveLength(3)
  })

  it('allows the implicit error port on every node', () => {
    const g = { nodes: [...good.nodes, node('oops', 'end', { status: 'failed' })], edges: [...good.edges, edge('mail', 'error', 'oops')] }
    expect(errorsOf(g)).toEqual([])
  })

  it('requires exactly one trigger', () => {
    expect(errorsOf({ nodes: [node('end', 'end')], edges: [] })).toContainEqual(expect.objectContaining({ message: expect.stringContaining('no trigger') }))
    const two = errorsOf({ nodes: [node('a', 'receive'), node('b', 'receive')], edges: [] })
    expect(two).toEqual([expect.objectContaining({ nodeId: 'b', message: expect.stringContaining('second trigger') })])
  })

  it('reports unreachable nodes', () => {
    const problems = errorsOf({ ...good, nodes: [...good.nodes, node('island', 'end')] })
    expect(problems).toEqual([expect.objectContaining({ nodeId: 'island', message: expect.stringContaining('cannot be reached') })])
  })

  it('refuses a loop without a waiting node but accepts one with a wait', () => {
    const busy = {
      nodes: [node('in', 'receive'), node('a', 'set'), node('b', 'set')],
      edges: [edge('in', 'next', 'a'), edge('a', 'next', 'b'), edge('b', 'next', 'a')],
    }
    expect(errorsOf(busy)).toEqual([expect.objectContaining({ message: expect.stringContaining('loop with no waiting node') })])
    const waiting = {
      nodes: [...busy.nodes, node('w', 'wait', { timeoutMs: 1000 })],
      edges: [edge('in', 'next', 'a'), edge('a', 'next', 'w'), edge('w', 'timeout', 'b'), edge('w', 'event', 'b'), edge('b', 'next', 'a')],
    }
    expect(errorsOf(waiting)).toEqual([])
  })

  it('warns about unconnected output ports without blocking', () => {
    const g = { ...good, edges: good.edges.filter((e) => e.sourceHandle !== 'timeout') }
    const problems = validateGraph(g)
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', nodeId: 'wait', message: expect.stringContaining('"timeout"') })])
  })

  it('checks decision routes against its rules and uses them as ports', () => {
    const rule = { name: 'big', conditions: { all: [{ fact: 'order', path: 'total', operator: 'greaterThan', value: 100 }] }, event: { type: 'route', params: { port: 'vip' } } }
    const g = {
      nodes: [node('in', 'receive'), node('d', 'decision', { routes: ['vip'], rules: [rule] }), node('e', 'end')],
      edges: [edge('in', 'next', 'd'), edge('d', 'vip', 'e'), edge('d', 'default', 'e')],
    }
    expect(validateGraph(g)).toEqual([])
    const bad = structuredClone(g)
    bad.nodes[1]!.config = { routes: ['other'], rules: [rule] }
    expect(errorsOf(bad)).toContainEqual(expect.objectContaining({ nodeId: 'd', message: expect.stringContaining('routes to "vip"') }))
  })

  it('explains a malformed document instead of throwing', () => {
    expect(errorsOf('nope')).toEqual([expect.objectContaining({ message: expect.stringContaining('"nodes" and "edges"') })])
    expect(errorsOf({ nodes: [{ type: 'end' }], edges: [{}] }).length).toBeGreaterThanOrEqual(2)
  })
})
