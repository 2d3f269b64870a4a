import type { KpiBucket, KpiPoint, KpiReport } from './api-types.ts'
import { formatCount, formatMs, formatRate, type Period, periodOption } from './metrics-view.ts'

/** The KPI dashboard without the DOM: tiles, chart columns and CSV (docs/api.md, "Metrics and KPIs"). */

export const KPI_PERIODS = (['24h', '7d', '30d', '90d', '365d', 'all'] as const).map(periodOption)

/** A sensible series bucket for a period: days up to a month, weeks up to a quarter, months beyond. */
export function autoBucket(period: Period): KpiBucket {
  if (period === '24h' || period === '7d' || period === '30d') return 'day'
  if (period === '90d') return 'week'
  return 'month'
}

export interface Tile {
  key: string
  title: string
  value: string
  /** smaller lines under the value */
  detail: string[]
  /** the value as a number in `unit` (null: nothing to measure), for comparing two reports */
  figure: number | null
  unit: 'count' | 'rate' | 'ms' | 'ratio'
  /** which way is good, where one is clear (orders placed, emails sent: neither) */
  better?: 'higher' | 'lower'
}

/** A ratio with at most two decimals ("2", "1.25"). */
export const formatRatio = (n: number) => String(Math.round(n * 100) / 100)

const per = (a: number, b: number, what: string) => `${formatCount(a)} of ${formatCount(b)} ${what}`

export function kpiTiles(r: KpiReport): Tile[] {
  const f = r.purchaseFrequency
  const ratio = f.ordersPerCustomer === null ? '—' : formatRatio(f.ordersPerCustomer)
  const emails = r.emailsPerTemplate.reduce((a, e) => a + e.sent, 0)
  return [
    {
      key: 'ordersPlaced',
      title: 'Orders placed',
      value: formatCount(r.ordersPlaced),
      detail: [],
      figure: r.ordersPlaced,
      unit: 'count',
    },
    {
      key: 'returnRate',
      title: 'Return rate',
      value: formatRate(r.returnRate.rate),
      detail: [`${per(r.returnRate.unitsReturned, r.returnRate.unitsSold, 'units sold')} returned`],
      figure: r.returnRate.rate,
      unit: 'rate',
      better: 'lower',
    },
    {
      key: 'pickingAccuracy',
      title: 'Picking accuracy',
      value: formatRate(r.pickingAccuracy.rate),
      detail: [
        `${formatCount(r.pickingAccuracy.ordersWithError)} of ${formatCount(r.pickingAccuracy.pickedOrders)} picked orders with an error`,
      ],
      figure: r.pickingAccuracy.rate,
      unit: 'rate',
      better: 'higher',
    },
    {
      key: 'leadTime',
      title: 'Lead time, mean',
      value: formatMs(r.leadTime.meanMs),
      detail: [
        `p50 ${formatMs(r.leadTime.p50Ms)} · p95 ${formatMs(r.leadTime.p95Ms)} (placed → delivered)`,
        `${formatCount(r.leadTime.deliveredOrders)} delivered orders`,
      ],
      figure: r.leadTime.meanMs,
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'purchaseFrequency',
      title: 'Purchase frequency',
      value: ratio,
      detail: [
        `orders per customer, 365 days: ${formatCount(f.orders)} orders, ${formatCount(f.customers)} customers`,
      ],
      figure: f.ordersPerCustomer,
      unit: 'ratio',
      better: 'higher',
    },
    {
      key: 'backorderRate',
      title: 'Backorder rate',
      value: formatRate(r.backorderRate.rate),
      detail: [
        per(r.backorderRate.backorderedOrders, r.backorderRate.stockCheckedOrders, 'stock-checked orders'),
      ],
      figure: r.backorderRate.rate,
      unit: 'rate',
      better: 'lower',
    },
    {
      key: 'paymentFailureRate',
      title: 'Payment failure rate',
      value: formatRate(r.paymentFailureRate.rate),
      detail: [
        per(
          r.paymentFailureRate.ordersWithFailedPayment,
          r.paymentFailureRate.ordersWithPayment,
          'orders with a payment',
        ),
      ],
      figure: r.paymentFailureRate.rate,
      unit: 'rate',
      better: 'lower',
    },
    {
      key: 'onTimeShipRate',
      title: 'On-time ship rate',
      value: formatRate(r.onTimeShipRate.rate),
      detail: [
        per(r.onTimeShipRate.onTime, r.onTimeShipRate.shippedOrders, 'shipped orders'),
        `SLA ${r.onTimeShipRate.sla.standardHours} h standard, ${r.onTimeShipRate.sla.expressHours} h express`,
      ],
      figure: r.onTimeShipRate.rate,
      unit: 'rate',
      better: 'higher',
    },
    {
      key: 'emailsSent',
      title: 'Emails sent',
      value: formatCount(emails),
      detail: r.emailsPerTemplate.map((e) => `${e.template}: ${formatCount(e.sent)}`),
      figure: emails,
      unit: 'count',
    },
  ]
}

// ---- charts

export interface ChartLine {
  label: string
  color: string
  values: (number | null)[]
}

export interface ChartSpec {
  key: string
  title: string
  /** how the y axis and tooltips show a value */
  unit: 'count' | 'rate' | 'ms'
  lines: ChartLine[]
}

/** Bucket starts as unix seconds (uPlot's x axis). */
export const chartX = (series: readonly KpiPoint[]) => series.map((p) => Date.parse(p.start) / 1000)

const BUCKET_SECONDS: Record<KpiBucket, number> = { day: 86_400, week: 7 * 86_400, month: 31 * 86_400 }

/**
 * The x axis of the charts, unix seconds: from the window's start (or half a bucket before the
 * first point) to the end of the last bucket (or now, if later), so one point is not stretched
 * over years; null without points.
 */
export function chartRange(
  x: readonly number[],
  bucket: KpiBucket,
  from: string | null,
  now: Date = new Date(),
): [number, number] | null {
  if (x.length === 0) return null
  const size = BUCKET_SECONDS[bucket]
  const first = Math.min(...x)
  const last = Math.max(...x)
  const start = from ? Math.min(Date.parse(from) / 1000, first) : first - size / 2
  const end = Math.max(last + size, Math.min(now.getTime() / 1000, last + size * 2))
  return [start, end]
}

export function chartSpecs(series: readonly KpiPoint[]): ChartSpec[] {
  const col = (f: (p: KpiPoint) => number | null) => series.map(f)
  return [
    {
      key: 'volume',
      title: 'Orders and emails',
      unit: 'count',
      lines: [
        { label: 'Orders placed', color: '#4f46e5', values: col((p) => p.ordersPlaced) },
        { label: 'Emails sent', color: '#2e90fa', values: col((p) => p.emailsSent) },
        { label: 'Units returned', color: '#f79009', values: col((p) => p.unitsReturned) },
      ],
    },
    {
      key: 'rates',
      title: 'Rates',
      unit: 'rate',
      lines: [
        { label: 'Return rate', color: '#f79009', values: col((p) => p.returnRate) },
        { label: 'Backorder rate', color: '#9e77ed', values: col((p) => p.backorderRate) },
        { label: 'Payment failure rate', color: '#c4320a', values: col((p) => p.paymentFailureRate) },
        { label: 'On-time ship rate', color: '#12805c', values: col((p) => p.onTimeShipRate) },
        { label: 'Picking accuracy', color: '#0e9384', values: col((p) => p.pickingAccuracy) },
      ],
    },
    {
      key: 'lead',
      title: 'Lead time',
      unit: 'ms',
      lines: [
        { label: 'mean', color: '#4f46e5', values: col((p) => p.leadTimeMeanMs) },
        { label: 'p50', color: '#12b76a', values: col((p) => p.leadTimeP50Ms) },
        { label: 'p95', color: '#c4320a', values: col((p) => p.leadTimeP95Ms) },
      ],
    },
  ]
}

export function formatValue(unit: ChartSpec['unit'], v: number | null | undefined): string {
  return unit === 'rate' ? formatRate(v) : unit === 'ms' ? formatMs(v) : formatCount(v)
}

// ---- CSV

type Cell = string | number | null | undefined

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted; null and undefined are empty. */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  const field = (v: Cell) => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  return `${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`
}

const SERIES_COLUMNS = [
  'start',
  'ordersPlaced',
  'unitsSold',
  'unitsReturned',
  'returnRate',
  'pickingAccuracy',
  'leadTimeMeanMs',
  'leadTimeP50Ms',
  'leadTimeP95Ms',
  'backorderRate',
  'paymentFailureRate',
  'onTimeShipRate',
  'emailsSent',
] as const satisfies readonly (keyof KpiPoint)[]

/** The series as CSV, one row per bucket; rates as fractions (0.25), times in milliseconds. */
export function seriesCsv(series: readonly KpiPoint[]): string {
  return toCsv([[...SERIES_COLUMNS], ...series.map((p) => SERIES_COLUMNS.map((c) => p[c]))])
}

/** Returns by reason as CSV; rate = of units sold, share = of units returned. */
export function byReasonCsv(r: KpiReport): string {
  return toCsv([
    ['reason', 'units', 'rate', 'share'],
    ...r.returnRate.byReason.map((x) => [x.reason, x.units, x.rate, x.share]),
    ['(all)', r.returnRate.unitsReturned, r.returnRate.rate, r.returnRate.unitsReturned > 0 ? 1 : null],
  ])
}

/** `kpis-<flow|all>-<period>-<what>.csv` */
export function csvName(what: string, filters: { flow?: string; channel?: string; period: Period }): string {
  const parts = ['kpis', filters.flow || 'all-flows', filters.channel, filters.period, what].filter(
    Boolean,
  ) as string[]
  return `${parts.map((p) => p.replace(/[^a-zA-Z0-9_-]+/g, '-')).join('-')}.csv`
}
