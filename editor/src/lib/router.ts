/** The screens, addressed by the location hash (`#/flows/default`), so reloads keep the place. */
export type Route =
  | { name: 'flows' }
  | { name: 'flow'; id: string; version?: number; /** show where this order is */ order?: number }
  | { name: 'templates'; key?: string }
  | { name: 'orders' }
  | { name: 'order'; id: number }
  | { name: 'kpis' }
  | { name: 'home' }

export function parseHash(hash: string): Route {
  const [pathPart = '', queryPart = ''] = hash.replace(/^#\/?/, '').split('?')
  const order = Number(new URLSearchParams(queryPart).get('order')) || undefined
  const parts = pathPart
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p))
  const [head, a, b, c] = parts
  if (head === 'flows' && a && b === 'versions' && c && /^\d+$/.test(c)) return { name: 'flow', id: a, version: Number(c), order }
  if (head === 'flows' && a) return { name: 'flow', id: a }
  if (head === 'flows') return { name: 'flows' }
  if (head === 'templates') return { name: 'templates', key: a }
  if (head === 'orders' && a && /^\d+$/.test(a)) return { name: 'order', id: Number(a) }
  if (head === 'orders') return { name: 'orders' }
  if (head === 'kpis') return { name: 'kpis' }
  return { name: 'home' }
}

export function hrefFor(route: Route): string {
  const e = encodeURIComponent
  switch (route.name) {
    case 'flows':
      return '#/flows'
    case 'flow': {
      const base = route.version ? `#/flows/${e(route.id)}/versions/${route.version}` : `#/flows/${e(route.id)}`
      return route.order ? `${base}?order=${route.order}` : base
    }
    case 'templates':
      return route.key ? `#/templates/${e(route.key)}` : '#/templates'
    case 'orders':
      return '#/orders'
    case 'order':
      return `#/orders/${route.id}`
    case 'kpis':
      return '#/kpis'
    case 'home':
      return '#/'
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefFor(route)
}
