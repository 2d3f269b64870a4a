import type { KpiReport, Simulation, SimulationRequest, SimulationRun, VersionInfo } from './api-types.ts'
import { formatRatio, kpiTiles, type Tile } from './kpi-view.ts'
import { formatCount, formatMs, formatRate } from './metrics-view.ts'

/**
 * The simulation panel without the DOM: its form checked as `POST /api/simulations` would
 * check it (docs/api.md, "Simulations"), progress, and KPI rows of one run or of two compared.
 */

// ---- the form

/** Field values as the inputs give them (a number input gives null or '' when empty). */
export interface SimulationForm {
  orders: number | string | null
  seed: number | string | null
  days: number | string | null
  version: number | ''
  /** '' : no comparison */
  compareWith: number | ''
}

export type FormErrors = Partial<Record<keyof SimulationForm, string>>

export const MAX_ORDERS = 2000
const MAX_SEED = 2 ** 31 - 1

/** The form's starting values: 200 orders over 7 days, seed 1, the active version. */
export function defaultForm(versions: readonly VersionInfo[]): SimulationForm {
  const active = versions.find((v) => v.active) ?? versions.at(-1)
  return { orders: 200, seed: '', days: 7, version: active?.version ?? '', compareWith: '' }
}

const empty = (v: number | string | null) => v === null || String(v).trim() === ''

/** The request to send, or a message per wrong field (what is wrong and what to enter). */
export function checkForm(
  flowId: string,
  f: SimulationForm,
): { request: SimulationRequest; errors?: undefined } | { request?: undefined; errors: FormErrors } {
  const errors: FormErrors = {}
  const orders = Number(f.orders)
  if (empty(f.orders) || !Number.isInteger(orders) || orders < 1 || orders > MAX_ORDERS)
    errors.orders = `Enter a whole number of orders from 1 to ${formatCount(MAX_ORDERS)}.`
  const seed = empty(f.seed) ? undefined : Number(f.seed)
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 1 || seed > MAX_SEED))
    errors.seed = `The seed is a whole number from 1 to ${formatCount(MAX_SEED)}; leave it empty for 1.`
  const days = Number(f.days)
  if (empty(f.days) || !Number.isFinite(days) || days < 0.1 || days > 60)
    errors.days = 'Orders arrive over 0.1 to 60 days.'
  if (f.version === '') errors.version = 'Choose a published version.'
  else if (f.compareWith === f.version)
    errors.compareWith = `Version ${f.version} is version A already; choose another one, or none.`
  if (Object.keys(errors).length > 0) return { errors }
  const version = f.version as number
  return {
    request: {
      flowId,
      orders,
      ...(seed === undefined ? {} : { seed }),
      days,
      ...(f.compareWith === '' ? { version } : { compare: [version, f.compareWith] }),
    },
  }
}

// ---- progress

/** Whole percent done, 0…100. */
export function progressPercent(p: Simulation['progress']): number {
  return p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 0
}

/** "12 of 30 orders placed", "… of 60 orders placed (2 runs on the same orders)" for a comparison. */
export function progressLabel(p: Simulation['progress'], runs: number): string {
  const of = `${formatCount(p.done)} of ${formatCount(p.total)} orders placed`
  return runs > 1 ? `${of} (${runs} runs on the same orders)` : of
}

export function isCompare(r: Simulation['result']): r is { compare: { a: SimulationRun; b: SimulationRun } } {
  return !!r && 'compare' in r
}

/** "v2: 30 orders, 64 simulated days in 3.2 s; runs: 25 completed, 5 waiting" */
export function runSummary(
  r: Pick<SimulationRun, 'flow' | 'orders' | 'runs' | 'simulatedDays' | 'wallSeconds'>,
): string {
  const runs = Object.entries(r.runs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${formatCount(n)} ${status}`)
    .join(', ')
  const days = formatMs(r.simulatedDays * 86_400_000)
  const wall = formatMs(r.wallSeconds * 1000)
  return `v${r.flow.version}: ${formatCount(r.orders)} orders, ${days} simulated in ${wall}; runs: ${runs || 'none'}`
}

// ---- KPI rows

export interface KpiRow extends Tile {
  /** a part of the row above (a return reason) */
  sub?: boolean
}

/** The dashboard's KPI tiles as table rows, with the return rate of each reason after the return rate. */
export function kpiRows(r: KpiReport): KpiRow[] {
  const reasons = r.returnRate.byReason.map(
    (x): KpiRow => ({
      key: `return-${x.reason}`,
      title: `Reason: ${x.reason}`,
      value: formatRate(x.rate),
      detail: [`${formatCount(x.units)} unit${x.units === 1 ? '' : 's'} returned`],
      figure: x.rate,
      unit: 'rate',
      better: 'lower',
      sub: true,
    }),
  )
  return kpiTiles(r).flatMap((t) => (t.key === 'returnRate' ? [t, ...reasons] : [t]))
}

/** better/worse where the KPI has a good direction, changed where it has none, same when equal. */
export type Direction = 'better' | 'worse' | 'changed' | 'same'

export interface CompareRow {
  key: string
  title: string
  sub: boolean
  a: string
  b: string
  /** B − A: "+2.5 pts", "−3 h", "+4"; "=" when equal, "" when either side has no figure */
  difference: string
  direction: Direction | null
}

const MINUS = '\u2212'

/** |B − A| as the unit shows it, or null when that rounds to nothing (then the two count as equal). */
function magnitude(unit: Tile['unit'], d: number): string | null {
  const a = Math.abs(d)
  switch (unit) {
    case 'rate': {
      // percentage points, one decimal: the precision the rates are shown with
      const pts = Math.round(a * 1000) / 10
      return pts === 0 ? null : `${pts} pts`
    }
    case 'ms':
      return a < 0.5 ? null : formatMs(a)
    case 'ratio':
      return Math.round(a * 100) === 0 ? null : formatRatio(a)
    case 'count':
      return a === 0 ? null : formatCount(a)
  }
}

/** B − A of one KPI, and whether B is better. */
export function difference(
  row: Pick<Tile, 'unit' | 'better'>,
  a: number | null,
  b: number | null,
): { difference: string; direction: Direction | null } {
  if (a === null || b === null) return { difference: '', direction: null }
  const d = b - a
  const m = magnitude(row.unit, d)
  if (m === null) return { difference: '=', direction: 'same' }
  const up = d > 0
  const direction = !row.better ? 'changed' : up === (row.better === 'higher') ? 'better' : 'worse'
  return { difference: `${up ? '+' : MINUS}${m}`, direction }
}

/** A's keys, with those only B has slotted in after the key before them in B. */
function mergeKeys(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a]
  let at = -1
  for (const k of b) {
    const i = out.indexOf(k)
    if (i >= 0) at = i
    else out.splice(++at, 0, k)
  }
  return out
}

/** Both runs' KPIs side by side (rows either has, e.g. a return reason only B saw), with B − A. */
export function compareRows(a: KpiReport, b: KpiReport): CompareRow[] {
  const ra = new Map(kpiRows(a).map((r) => [r.key, r]))
  const rb = new Map(kpiRows(b).map((r) => [r.key, r]))
  return mergeKeys([...ra.keys()], [...rb.keys()]).map((key) => {
    const x = ra.get(key)
    const y = rb.get(key)
    const row = (x ?? y)!
    return {
      key,
      title: row.title,
      sub: !!row.sub,
      a: x?.value ?? '—',
      b: y?.value ?? '—',
      ...difference(row, x?.figure ?? null, y?.figure ?? null),
    }
  })
}
