const STORAGE_KEY = 'orderflow.token'

/**
 * The token to sign in with: a `?token=` in the address (the login link `npm start` prints) wins
 * and is removed from the address bar at once so it does not linger in history or screenshots;
 * else the one kept in localStorage.
 */
export function takeToken(loc: Location = window.location, storage: Storage = window.localStorage): string | null {
  const url = new URL(loc.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    url.searchParams.delete('token')
    history.replaceState(history.state, '', url.pathname + url.search + url.hash)
    storage.setItem(STORAGE_KEY, fromUrl)
    return fromUrl
  }
  return storage.getItem(STORAGE_KEY)
}

export function storeToken(token: string, storage: Storage = window.localStorage): void {
  storage.setItem(STORAGE_KEY, token)
}

export function clearToken(storage: Storage = window.localStorage): void {
  storage.removeItem(STORAGE_KEY)
}
