import { expect, test } from 'vitest'
import { pasteFragment } from './clipboard.ts'
import { History } from './history.ts'
import { parseHash, hrefFor } from './router.ts'

test('undo/redo, with typing in one field coalesced into one step', () => {
  let t = 0
  const h = new History<number>(0, 200, 1000, () => t)
  h.record(1, 'a')
  t = 100
  h.record(2, 'a')
  t = 5000
  h.record(3, 'a')
  expect(h.undo()).toBe(2)
  expect(h.undo()).toBe(0)
  expect(h.canUndo).toBe(false)
  expect(h.redo()).toBe(2)
  h.record(9)
  expect(h.canRedo).toBe(false)
})

test('paste gives fresh ids, keeps inner edges and skips a second trigger', () => {
  const frag = {
    nodes: [
      { id: 'receive-1', type: 'receive', config: {}, position: { x: 0, y: 0 } },
      { id: 'wait-1', type: 'wait', config: { events: ['packed'] }, position: { x: 10, y: 0 } },
      { id: 'end-1', type: 'end', config: {}, position: { x: 20, y: 0 } },
    ],
    edges: [
      { source: 'receive-1', sourceHandle: 'next', target: 'wait-1' },
      { source: 'wait-1', sourceHandle: 'event', target: 'end-1' },
    ],
  }
  const out = pasteFragment(frag, new Set(['receive-1', 'wait-1', 'end-1']), { x: 40, y: 40 }, (t) => t === 'receive')
  expect(out.nodes.map((n) => n.id)).toEqual(['wait-2', 'end-2'])
  expect(out.nodes[0]!.position).toEqual({ x: 50, y: 40 })
  expect(out.edges).toEqual([{ id: 'wait-2:event->end-2', source: 'wait-2', sourceHandle: 'event', target: 'end-2' }])
})

test('hash routes round-trip', () => {
  for (const r of [
    { name: 'flow' as const, id: 'default', version: 3, order: 12 },
    { name: 'templates' as const, key: 'order-shipped' },
    { name: 'order' as const, id: 7 },
  ]) {
    expect(parseHash(hrefFor(r))).toEqual(r)
  }
  expect(parseHash('#/flows/default')).toEqual({ name: 'flow', id: 'default' })
})
