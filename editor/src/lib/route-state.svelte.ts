import { parseHash, type Route } from './router.ts'

/** The current route, following `hashchange`. */
export class RouteState {
  current = $state<Route>(parseHash(window.location.hash))

  constructor() {
    window.addEventListener('hashchange', () => {
      this.current = parseHash(window.location.hash)
    })
  }
}
