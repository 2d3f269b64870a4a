import type { NodeTypeInfo } from './api-types.ts'

/** The palette's category order (the node contract's list); others follow alphabetically. */
export const CATEGORY_ORDER = ['Triggers', 'Logic', 'Timing', 'Messaging', 'Payment', 'Warehouse', 'Shipping', 'After sale']

/** The MIME type of a palette item being dragged onto the canvas. */
export const DRAG_MIME = 'application/x-orderflow-node-type'

export function groupPalette(types: readonly NodeTypeInfo[], search: string): { category: string; types: NodeTypeInfo[] }[] {
  const q = search.trim().toLowerCase()
  const match = (t: NodeTypeInfo) =>
    !q || t.title.toLowerCase().includes(q) || t.type.includes(q) || t.description.toLowerCase().includes(q) || t.category.toLowerCase().includes(q)
  const groups = new Map<string, NodeTypeInfo[]>()
  for (const t of types) if (match(t)) groups.set(t.category, [...(groups.get(t.category) ?? []), t])
  const rank = (c: string) => {
    const i = CATEGORY_ORDER.indexOf(c)
    return i === -1 ? CATEGORY_ORDER.length : i
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([category, list]) => ({ category, types: list }))
}
