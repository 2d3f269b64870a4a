import type { FlowMetrics } from '../metrics/flow-metrics.ts'
import type { KpiReport } from '../metrics/kpis.ts'
import type { RunResult } from './run-simulation.ts'

/** Terminal tables for a simulation: per-node metrics, KPIs, and two runs side by side. */

export function duration(ms: number | null): string {
  if (ms === null) return '–'
  const a = Math.abs(ms)
  if (a < 1000) return `${ms.toFixed(0)} ms`
  if (a < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (a < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  if (a < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`
  return `${(ms / 86_400_000).toFixed(1)} d`
}

const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`)

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function metricsTable(m: FlowMetrics): string {
  return table(
    [
      'node',
      'type',
      'entered',
      'done',
      'failed',
      'retried',
      'waiting',
      'proc p50',
      'proc p95',
      'wait p50',
      'wait p95',
      'ports',
    ],
    m.nodes
      .filter((n) => n.entered > 0 || n.waitingNow > 0)
      .map((n) => [
        n.nodeId,
        n.type,
        String(n.entered),
        String(n.completed),
        String(n.failed),
        String(n.retried),
        String(n.waitingNow),
        duration(n.processingMs.p50),
        duration(n.processingMs.p95),
        duration(n.waitingMs.p50),
        duration(n.waitingMs.p95),
        n.ports.map((p) => `${p.port} ${pct(p.share)}`).join(', '),
      ]),
  )
}

/** KPI rows as [label, value, number for differences]. */
export function kpiRows(k: KpiReport): [string, string, number | null][] {
  return [
    ['orders placed', String(k.ordersPlaced), k.ordersPlaced],
    [
      'rate of return (units)',
      `${pct(k.returnRate.rate)} (${k.returnRate.unitsReturned}/${k.returnRate.unitsSold})`,
      k.returnRate.rate,
    ],
    ...k.returnRate.byReason.map((r): [string, string, number | null] => [
      `  return: ${r.reason}`,
      `${pct(r.rate)} (${r.units})`,
      r.rate,
    ]),
    [
      'picking accuracy',
      `${pct(k.pickingAccuracy.rate)} of ${k.pickingAccuracy.pickedOrders}`,
      k.pickingAccuracy.rate,
    ],
    ['lead time mean', duration(k.leadTime.meanMs), k.leadTime.meanMs],
    ['lead time p50', duration(k.leadTime.p50Ms), k.leadTime.p50Ms],
    ['lead time p95', duration(k.leadTime.p95Ms), k.leadTime.p95Ms],
    [
      'orders per customer (365 d)',
      k.purchaseFrequency.ordersPerCustomer?.toFixed(2) ?? '–',
      k.purchaseFrequency.ordersPerCustomer,
    ],
    [
      'backorder rate',
      `${pct(k.backorderRate.rate)} of ${k.backorderRate.stockCheckedOrders}`,
      k.backorderRate.rate,
    ],
    [
      'payment failure rate',
      `${pct(k.paymentFailureRate.rate)} of ${k.paymentFailureRate.ordersWithPayment}`,
      k.paymentFailureRate.rate,
    ],
    [
      'on-time ship rate',
      `${pct(k.onTimeShipRate.rate)} of ${k.onTimeShipRate.shippedOrders}`,
      k.onTimeShipRate.rate,
    ],
    ...k.emailsPerTemplate.map((e): [string, string, number | null] => [
      `  emails: ${e.template}`,
      String(e.sent),
      e.sent,
    ]),
  ]
}

export function kpiTable(k: KpiReport): string {
  return table(
    ['KPI', 'value'],
    kpiRows(k).map(([a, b]) => [a, b]),
  )
}

/** Both runs' KPIs side by side, with B − A (points for rates). */
export function compareTable(a: RunResult, b: RunResult): string {
  const ra = new Map(kpiRows(a.kpis).map((r) => [r[0], r]))
  const rb = new Map(kpiRows(b.kpis).map((r) => [r[0], r]))
  const labels = [...new Set([...ra.keys(), ...rb.keys()])]
  const name = (r: RunResult) => `${r.flow.id} v${r.flow.version}`
  return table(
    ['KPI', name(a), name(b), 'difference'],
    labels.map((l) => {
      const x = ra.get(l)
      const y = rb.get(l)
      return [l, x?.[1] ?? '–', y?.[1] ?? '–', difference(l, x?.[2] ?? null, y?.[2] ?? null)]
    }),
  )
}

function difference(label: string, a: number | null, b: number | null): string {
  if (a === null || b === null) return ''
  const d = b - a
  if (d === 0) return '='
  const sign = d > 0 ? '+' : '−'
  if (label.startsWith('lead time')) return `${sign}${duration(Math.abs(d))}`
  if (
    Math.abs(a) <= 1 &&
    Math.abs(b) <= 1 &&
    !Number.isInteger(a + b) &&
    !label.startsWith('  emails') &&
    label !== 'orders placed'
  )
    return `${sign}${(Math.abs(d) * 100).toFixed(1)} pts`
  return `${sign}${Math.abs(d).toFixed(Number.isInteger(d) ? 0 : 2)}`
}

export interface KpiDifference {
  kpi: string
  a: string
  b: string
  aValue: number | null
  bValue: number | null
  /** B − A, as the terminal prints it ('' when either side has no value, '=' when equal) */
  difference: string
  delta: number | null
}

/** compareTable's rows as data (for the API and the editor). */
export function kpiDifferences(a: KpiReport, b: KpiReport): KpiDifference[] {
  const ra = new Map(kpiRows(a).map((r) => [r[0], r]))
  const rb = new Map(kpiRows(b).map((r) => [r[0], r]))
  return [...new Set([...ra.keys(), ...rb.keys()])].map((l) => {
    const x = ra.get(l)
    const y = rb.get(l)
    const av = x?.[2] ?? null
    const bv = y?.[2] ?? null
    return {
      kpi: l,
      a: x?.[1] ?? '–',
      b: y?.[1] ?? '–',
      aValue: av,
      bValue: bv,
      difference: difference(l, av, bv),
      delta: av === null || bv === null ? null : bv - av,
    }
  })
}
