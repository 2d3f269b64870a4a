import fs from 'node:fs'
import { ensureEditorBuilt } from './browser.ts'

export interface E2EServer {
  url: string
  adminToken: string
  close(): Promise<void>
  /** A token of another role (only with the test server). */
  tokenFor?(role: 'operations' | 'merchant' | 'analyst' | 'warehouse'): Promise<string>
  /** A JSON request to the API as admin. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
}

/**
 * A full orderflow server for browser tests: the lead's `test/test-server.ts` (fresh test
 * database, editor served from editor/dist). `E2E_BASE_URL` + `E2E_ADMIN_TOKEN` point the tests
 * at a server that is already running instead (handy while working on the editor).
 */
export async function startServer(): Promise<E2EServer> {
  ensureEditorBuilt()
  let url: string
  let adminToken: string
  let close: () => Promise<void>
  let tokenFor: E2EServer['tokenFor']
  if (process.env.E2E_BASE_URL) {
    url = process.env.E2E_BASE_URL.replace(/\/$/, '')
    adminToken = process.env.E2E_ADMIN_TOKEN ?? ''
    close = async () => {}
  } else {
    const modulePath = '../test-server.ts'
    let mod: {
      startTestServer(): Promise<{
        url: string
        adminToken: string
        close(): Promise<void>
        harness?: { tokenFor(role: string): Promise<string> }
      }>
    }
    if (!fs.existsSync(new URL(modulePath, import.meta.url))) {
      throw new Error('Browser tests need test/test-server.ts (startTestServer), or E2E_BASE_URL and E2E_ADMIN_TOKEN of a running orderflow.')
    }
    mod = await import(/* @vite-ignore */ modulePath)
    const { startTestServer } = mod
    const s = await startTestServer()
    url = s.url.replace(/\/$/, '')
    adminToken = s.adminToken
    close = () => s.close()
    if (s.harness) tokenFor = (role) => s.harness!.tokenFor(role)
  }
  return {
    url,
    adminToken,
    close,
    tokenFor,
    async api(method, path, body) {
      const res = await fetch(`${url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    },
  }
}
