import { afterAll, describe, expect, it } from 'vitest'
import { sanitizeEmailHtml } from './sanitize-html.ts'
import { SanitizePool } from './sanitize-pool.ts'

const dirty =
  '<p onclick="steal()">Hi <b>Ada</b></p><script>alert(1)</script><a href="javascript:alert(1)">x</a>' +
  '<a href="https://shop.example/o/1" style="color:red">order</a><img src="cid:logo" onerror="x()">'

const pools: SanitizePool[] = []
afterAll(async () => {
  for (const p of pools) await p.close()
})

describe('sanitiser thread', () => {
  it('gives what inline sanitising gives, fragments and whole documents, on its own thread', async () => {
    const pool = new SanitizePool()
    pools.push(pool)
    const doc = `<!DOCTYPE html><html><head><style>p{color:red}</style></head><body>${dirty}</body></html>`
    const [a, b] = await Promise.all([pool.sanitize(dirty, false), pool.sanitize(doc, true)])
    expect(pool.onThread).toBe(true)
    expect(a).toBe(sanitizeEmailHtml(dirty))
    expect(b).toBe(sanitizeEmailHtml(doc, { document: true }))
    expect(a).not.toMatch(/script|onclick|onerror|javascript:/)
  })

  it('a thread that cannot start: every call is sanitised inline instead, none fails', async () => {
    const pool = new SanitizePool(new URL('./no-such-sanitize-worker.mjs', import.meta.url))
    pools.push(pool)
    const results = await Promise.all([pool.sanitize(dirty, false), pool.sanitize(dirty, false)])
    expect(results).toEqual([sanitizeEmailHtml(dirty), sanitizeEmailHtml(dirty)])
    expect(pool.onThread).toBe(false)
    expect(await pool.sanitize(dirty, false)).toBe(sanitizeEmailHtml(dirty))
  })
})
