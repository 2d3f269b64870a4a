import type { FlowMetrics, NodeMetrics } from './api-types.ts'

/**
 * The canvas's metrics mode without the DOM: time windows, the heatmap colour scale, the
 * formatting of figures, and mapping `GET /api/flows/:id/metrics` onto nodes, edges and the table.
 */

// ---- time windows

export type Period = '24h' | '7d' | '30d' | '90d' | '365d' | 'all'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const PERIOD_MS: Record<Period, number | null> = {
  '24h': DAY,
  '7d': 7 * DAY,
  '30d': 30 * DAY,
  '90d': 90 * DAY,
  '365d': 365 * DAY,
  all: null,
}
const PERIOD_LABELS: Record<Period, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  '365d': 'Last 365 days',
  all: 'All time',
}

export const periodOption = (value: Period) => ({ value, label: PERIOD_LABELS[value] })
/** The periods of the canvas's metrics mode. */
export const METRICS_PERIODS = (['24h', '7d', '30d', 'all'] as const).map(periodOption)

/**
 * `from` of a period ending now (the window is `[from, open)`), rounded down to the minute so a
 * refresh within the same minute asks the same question; `{}` for all time.
 */
export function periodWindow(period: Period, now: Date = new Date()): { from?: string } {
  const ms = PERIOD_MS[period]
  if (ms === null) return {}
  const from = Math.floor((now.getTime() - ms) / 60_000) * 60_000
  return { from: new Date(from).toISOString() }
}

// ---- formatting

const trim = (n: number, unit: string) =>
  `${n < 10 ? String(Math.round(n * 10) / 10) : String(Math.round(n))} ${unit}`

/** A duration in one unit: "850 ms", "1.5 s", "12 s", "2.5 min", "3.2 h", "1.5 d"; "—" when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 999.5) return `${Math.round(ms)} ms`
  if (ms < 59_950) return trim(ms / 1000, 's')
  if (ms < 59.95 * 60_000) return trim(ms / 60_000, 'min')
  if (ms < 23.95 * HOUR) return trim(ms / HOUR, 'h')
  return trim(ms / DAY, 'd')
}

/** A rate or share as a percentage with at most one decimal ("33.3%", "50%"); "—" for null. */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—'
  return `${String(Math.round(r * 1000) / 10)}%`
}

/** A count with thousands separators ("1,234"), the same in every locale. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return n.toLocaleString('en-US')
}

// ---- heatmap

export type Measure = 'throughput' | 'waitingNow' | 'p95Processing' | 'p95Waiting' | 'errorRate'

export const MEASURES: { value: Measure; label: string; format: (v: number | null) => string }[] = [
  { value: 'throughput', label: 'Throughput (entered)', format: formatCount },
  { value: 'waitingNow', label: 'Waiting now', format: formatCount },
  { value: 'p95Processing', label: 'p95 processing time', format: formatMs },
  { value: 'p95Waiting', label: 'p95 waiting time', format: formatMs },
  { value: 'errorRate', label: 'Error rate', format: formatRate },
]

export function measureOf(n: NodeMetrics, m: Measure): number | null {
  switch (m) {
    case 'throughput':
      return n.entered
    case 'waitingNow':
      return n.waitingNow
    case 'p95Processing':
      return n.processingMs.p95
    case 'p95Waiting':
      return n.waitingMs.p95
    case 'errorRate':
      return n.errorRate
  }
}

/** Cool to hot (yellow → orange → red, after ColorBrewer's YlOrRd), and grey for "no data". */
export const HEAT_STOPS = ['#ffffcc', '#feb24c', '#f03b20', '#b10026'] as const
export const NO_DATA_COLOR = '#e4e7ec'

const rgb = (hex: string) =>
  [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]
const hex = (c: number[]) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`

/** The colour of a position 0…1 on the scale (clamped); null: no data. */
export function heatColor(t: number | null): string {
  if (t === null || !Number.isFinite(t)) return NO_DATA_COLOR
  const x = Math.min(1, Math.max(0, t)) * (HEAT_STOPS.length - 1)
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(x))
  const a = rgb(HEAT_STOPS[i]!)
  const b = rgb(HEAT_STOPS[i + 1]!)
  const f = x - i
  return hex(a.map((v, k) => v + (b[k]! - v) * f))
}

/** Where a value sits between 0 and the largest value (the scale always starts at 0); null stays null. */
export function heatPosition(value: number | null, max: number): number | null {
  if (value === null || !Number.isFinite(value)) return null
  return max > 0 ? Math.min(1, Math.max(0, value / max)) : 0
}

// ---- mapping onto the canvas

export interface NodeView {
  metrics: NodeMetrics
  value: number | null
  /** 0…1 on the colour scale, null without a value */
  t: number | null
  color: string
}

export interface EdgeView {
  count: number
  share: number | null
  label: string
}

export interface MetricsOverlay {
  data: FlowMetrics
  measure: Measure
  /** the top of the colour scale (its bottom is 0) */
  max: number
  nodes: Map<string, NodeView>
  /** by `edgeKey(source, port, target)` */
  edges: Map<string, EdgeView>
}

export const edgeKey = (source: string, port: string | null | undefined, target: string) =>
  `${source}\u0000${port ?? ''}\u0000${target}`

/** "12 · 40%": how many orders took an edge and their share of all that left its source. */
export function edgeLabel(e: { count: number; share: number | null }): string {
  return e.share === null ? formatCount(e.count) : `${formatCount(e.count)} · ${formatRate(e.share)}`
}

export function buildOverlay(data: FlowMetrics, measure: Measure): MetricsOverlay {
  const values = data.nodes.map((n) => measureOf(n, measure))
  const max = Math.max(0, ...values.filter((v): v is number => v !== null && Number.isFinite(v)))
  const nodes = new Map<string, NodeView>()
  data.nodes.forEach((n, i) => {
    const value = values[i] ?? null
    const t = heatPosition(value, max)
    nodes.set(n.nodeId, { metrics: n, value, t, color: heatColor(t) })
  })
  const edges = new Map<string, EdgeView>()
  for (const e of data.edges) {
    const key = edgeKey(e.source, e.sourceHandle, e.target)
    // the same connection twice (should not happen) adds up, like across versions on the server
    const prev = edges.get(key)
    const count = (prev?.count ?? 0) + e.count
    const share = prev ? (prev.share === null || e.share === null ? null : prev.share + e.share) : e.share
    edges.set(key, { count, share, label: edgeLabel({ count, share }) })
  }
  return { data, measure, max, nodes, edges }
}

/** The figures of a canvas edge (matched by source, port and target, whatever its id). */
export function edgeView(
  overlay: MetricsOverlay | null | undefined,
  edge: { source: string; sourceHandle?: string | null; target: string },
): EdgeView | undefined {
  return overlay?.edges.get(edgeKey(edge.source, edge.sourceHandle, edge.target))
}

/** The lines of figures a node card shows in metrics mode. */
export function nodeFigures(n: NodeMetrics): { key: string; label: string; value: string }[] {
  return [
    { key: 'entered', label: 'entered', value: formatCount(n.entered) },
    { key: 'completed', label: 'completed', value: formatCount(n.completed) },
    { key: 'failed', label: 'failed', value: formatCount(n.failed) },
    { key: 'waiting-now', label: 'waiting now', value: formatCount(n.waitingNow) },
    {
      key: 'processing',
      label: 'processing p50 / p95',
      value: `${formatMs(n.processingMs.p50)} / ${formatMs(n.processingMs.p95)}`,
    },
    {
      key: 'waiting',
      label: 'waiting p50 / p95',
      value: `${formatMs(n.waitingMs.p50)} / ${formatMs(n.waitingMs.p95)}`,
    },
  ]
}

// ---- table

export type ColumnKey =
  | 'name'
  | 'type'
  | 'entered'
  | 'completed'
  | 'failed'
  | 'retried'
  | 'waitingNow'
  | 'errorRate'
  | 'processingP50'
  | 'processingP95'
  | 'waitingP50'
  | 'waitingP95'

export interface Column {
  key: ColumnKey
  label: string
  numeric: boolean
  format: (v: string | number | null) => string
}

const text = (v: string | number | null) => (v === null ? '—' : String(v))
const count = (v: string | number | null) => formatCount(typeof v === 'number' ? v : null)
const ms = (v: string | number | null) => formatMs(typeof v === 'number' ? v : null)
const rate = (v: string | number | null) => formatRate(typeof v === 'number' ? v : null)

export const COLUMNS: Column[] = [
  { key: 'name', label: 'Node', numeric: false, format: text },
  { key: 'type', label: 'Type', numeric: false, format: text },
  { key: 'entered', label: 'Entered', numeric: true, format: count },
  { key: 'completed', label: 'Completed', numeric: true, format: count },
  { key: 'failed', label: 'Failed', numeric: true, format: count },
  { key: 'retried', label: 'Retried', numeric: true, format: count },
  { key: 'waitingNow', label: 'Waiting now', numeric: true, format: count },
  { key: 'errorRate', label: 'Error rate', numeric: true, format: rate },
  { key: 'processingP50', label: 'Processing p50', numeric: true, format: ms },
  { key: 'processingP95', label: 'Processing p95', numeric: true, format: ms },
  { key: 'waitingP50', label: 'Waiting p50', numeric: true, format: ms },
  { key: 'waitingP95', label: 'Waiting p95', numeric: true, format: ms },
]

export interface MetricsRow {
  nodeId: string
  /** false: the node has steps but is not on the canvas (removed from the draft) */
  onCanvas: boolean
  values: Record<ColumnKey, string | number | null>
}

/** One row per node of the metrics; `nameOf` gives the canvas's name of a node (undefined: not on the canvas). */
export function metricsRows(data: FlowMetrics, nameOf: (nodeId: string) => string | undefined): MetricsRow[] {
  return data.nodes.map((n) => {
    const name = nameOf(n.nodeId)
    return {
      nodeId: n.nodeId,
      onCanvas: name !== undefined,
      values: {
        name: name ?? n.label ?? n.nodeId,
        type: n.type,
        entered: n.entered,
        completed: n.completed,
        failed: n.failed,
        retried: n.retried,
        waitingNow: n.waitingNow,
        errorRate: n.errorRate,
        processingP50: n.processingMs.p50,
        processingP95: n.processingMs.p95,
        waitingP50: n.waitingMs.p50,
        waitingP95: n.waitingMs.p95,
      },
    }
  })
}

export type SortDir = 'asc' | 'desc'

/** Sorted by one column; empty values (—) last in both directions, ties by node name. */
export function sortRows(rows: readonly MetricsRow[], key: ColumnKey, dir: SortDir): MetricsRow[] {
  const sign = dir === 'asc' ? 1 : -1
  const byName = (a: MetricsRow, b: MetricsRow) =>
    String(a.values.name).localeCompare(String(b.values.name)) || a.nodeId.localeCompare(b.nodeId)
  return [...rows].sort((a, b) => {
    const x = a.values[key]
    const y = b.values[key]
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return c !== 0 ? sign * c : byName(a, b)
  })
}
