// `npx tsx bench/statements.ts [orders]`: statements sent to PostgreSQL per order through the
// default flow in simulation mode, by statement text — the deterministic measure of round trips
// (timings are noisy on a shared machine; this count is not). Not part of `npm run bench`:
// it wraps pg's Client.query for the whole process.
import pg from 'pg'

const counts = new Map<string, number>()
const query = pg.Client.prototype.query
// biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; only the text is read
;(pg.Client.prototype as any).query = function (this: pg.Client, ...args: any[]) {
  const text = typeof args[0] === 'string' ? args[0] : args[0]?.text
  if (typeof text === 'string') {
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 110)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return query.apply(this, args as never)
}

const { benchCluster } = await import('./setup.ts')
const { engineBurst } = await import('./engine.ts')
const cluster = await benchCluster()
const n = Number(process.argv[2] ?? 500)
let before = new Map<string, number>()
try {
  // counted from the worker's start: intake and set-up are not part of it
  await engineBurst(cluster, n, () => (before = new Map(counts)))
} finally {
  await cluster.stop()
}
const during = [...counts]
  .map(([text, c]) => [text, c - (before.get(text) ?? 0)] as const)
  .filter(([text, c]) => c > 0 && !text.startsWith('select count(*)::int as n from runs'))
  .sort((a, b) => b[1] - a[1])
const total = during.reduce((sum, [, c]) => sum + c, 0)
console.log(`${(total / n).toFixed(1)} statements per order (${n} orders; the benchmark's own polling left out)\n`)
for (const [text, c] of during.filter(([, c]) => c / n >= 0.01)) console.log(`${(c / n).toFixed(2).padStart(6)}  ${text}`)
