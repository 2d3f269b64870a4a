import { ApiClient, ApiError, errorMessage } from './api-client.ts'
import type { Me, NodeTypeInfo } from './api-types.ts'
import { clearToken, storeToken, takeToken } from './auth.ts'
import { type Permissions, permissionsFor } from './roles.ts'

export interface Toast {
  id: number
  kind: 'info' | 'success' | 'error'
  text: string
}

/** Who is signed in, their permissions, the API client, and app-wide notices. */
export class Session {
  me = $state<Me | null>(null)
  api = $state.raw<ApiClient | null>(null)
  checking = $state(true)
  signInError = $state('')
  toasts = $state<Toast[]>([])
  private nodeTypesPromise: Promise<NodeTypeInfo[]> | undefined
  private nextToast = 1

  permissions = $derived<Permissions | null>(this.me ? permissionsFor(this.me.role) : null)

  async start(): Promise<void> {
    const token = takeToken()
    if (token) await this.signIn(token, { quiet: true })
    this.checking = false
  }

  async signIn(token: string, opts: { quiet?: boolean } = {}): Promise<boolean> {
    const api = new ApiClient(token.trim())
    try {
      const me = await api.me()
      storeToken(token.trim())
      this.api = api
      this.me = me
      this.signInError = ''
      this.nodeTypesPromise = undefined
      return true
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        clearToken()
        this.signInError = opts.quiet ? 'Your session has expired; sign in again.' : 'That token is not valid.'
      } else {
        this.signInError = errorMessage(e)
      }
      return false
    }
  }

  signOut(): void {
    clearToken()
    this.me = null
    this.api = null
    window.location.hash = '#/'
  }

  nodeTypes(): Promise<NodeTypeInfo[]> {
    if (!this.api) return Promise.reject(new Error('Not signed in'))
    this.nodeTypesPromise ??= this.api.nodeTypes()
    return this.nodeTypesPromise
  }

  notify(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.nextToast++
    this.toasts = [...this.toasts, { id, kind, text }]
    setTimeout(() => this.dismiss(id), kind === 'error' ? 8000 : 4000)
  }

  fail(e: unknown, prefix = ''): void {
    this.notify(prefix ? `${prefix}: ${errorMessage(e)}` : errorMessage(e), 'error')
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id)
  }
}
