// The thread behind sanitize-pool.ts. Plain JavaScript so that it starts in any runtime (the
// tsx CLI, vitest): it registers tsx for this thread, then loads the one sanitiser the engine uses.
import { parentPort } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
const { sanitizeEmailHtml } = await import('./sanitize-html.ts')
parentPort.on('message', ({ id, html, document }) => {
  try {
    parentPort.postMessage({ id, html: sanitizeEmailHtml(html, { document }) })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) })
  }
})
parentPort.postMessage({ ready: true })
