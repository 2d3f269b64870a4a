import { Worker } from 'node:worker_threads'
import type { Sanitizer } from './render.ts'
import { sanitizeEmailHtml } from './sanitize-html.ts'

interface Pending {
  html: string
  document: boolean
  resolve: (html: string) => void
  reject: (e: Error) => void
}

const inline = (html: string, document: boolean) => sanitizeEmailHtml(html, { document })

/**
 * Email HTML sanitised on a thread of its own. Sanitising (sanitize-html parses every rendered
 * body) is the largest single cost of a step that sends an email: in the benchmark it took 18% of
 * the worker's main thread, which goes on with the other jobs of its batch meanwhile. The thread
 * runs the same function (sanitize-html.ts), so the result is the same.
 *
 * If the thread cannot start or dies, what it had not answered and everything after is sanitised
 * inline: slower, never less safe, and no step fails for it.
 */
export class SanitizePool {
  readonly #script: URL
  #worker: Worker | undefined
  #failed = false
  #next = 0
  readonly #pending = new Map<number, Pending>()

  constructor(script = new URL('./sanitize-worker.mjs', import.meta.url)) {
    this.#script = script
  }

  /** True while sanitising runs on the thread (false before the first call and after a failure). */
  get onThread(): boolean {
    return this.#worker !== undefined
  }

  sanitize: Sanitizer = (html, document) => {
    const worker = this.#start()
    if (!worker) return Promise.resolve(inline(html, document))
    const id = this.#next++
    // referenced while an answer is awaited, so the process does not exit in the middle of a step
    if (this.#pending.size === 0) worker.ref()
    return new Promise<string>((resolve, reject) => {
      this.#pending.set(id, { html, document, resolve, reject })
      worker.postMessage({ id, html, document })
    })
  }

  async close() {
    const worker = this.#worker
    this.#worker = undefined
    await worker?.terminate()
  }

  #start(): Worker | undefined {
    if (this.#worker || this.#failed) return this.#worker
    const worker = new Worker(this.#script)
    worker.unref() // an idle sanitiser never keeps the process alive
    worker.on('message', (m: { id?: number; html?: string; error?: string }) => {
      const p = m.id === undefined ? undefined : this.#pending.get(m.id)
      if (!p) return
      this.#pending.delete(m.id!)
      if (this.#pending.size === 0) worker.unref()
      if (m.error !== undefined) p.reject(new Error(`sanitising an email failed: ${m.error}`))
      else p.resolve(m.html ?? '')
    })
    const fail = () => {
      if (this.#worker !== worker) return // closed on purpose
      this.#failed = true
      this.#worker = undefined
      for (const p of this.#pending.values()) {
        try {
          p.resolve(inline(p.html, p.document))
        } catch (error) {
          p.reject(error as Error)
        }
      }
      this.#pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', fail)
    this.#worker = worker
    return worker
  }
}

/** The process's sanitiser thread, started on first use. */
export const sanitizePool = new SanitizePool()
