import type { Progress } from './run-simulation.ts'

/**
 * A one-line progress bar on a TTY (redrawn in place), or a line every 10% otherwise, so a
 * piped or CI log stays readable.
 */
export function progressBar(label: string, out: NodeJS.WriteStream = process.stderr) {
  let lastDecile = -1
  const start = Date.now()
  return {
    update: (p: Progress) => {
      const fraction = p.total === 0 ? 1 : p.placed / p.total
      const width = 28
      const filled = Math.round(fraction * width)
      const text = `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${p.placed}/${p.total} placed · ${p.finished} finished · sim ${p.simTime.toISOString().slice(0, 16).replace('T', ' ')} · ${((Date.now() - start) / 1000).toFixed(0)} s`
      if (out.isTTY) out.write(`\r${text}\x1b[K${p.done ? '\n' : ''}`)
      else if (p.done || Math.floor(fraction * 10) > lastDecile) {
        lastDecile = Math.floor(fraction * 10)
        out.write(`${text}\n`)
      }
    },
  }
}
