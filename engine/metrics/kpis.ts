import type { Executor } from '../db.ts'
import * as q from './kpi-queries.ts'
import { num, ratio } from './window.ts'

export type { Bucket, KpiScope, Sla } from './kpi-queries.ts'

/** Shipping SLA for the on-time ship rate: first shipment booked within this many hours of placing. */
export const DEFAULT_SLA: q.Sla = { standardHours: 48, expressHours: 24 }

export interface KpiOptions {
  /** Also return the KPIs per day, week or month (UTC) of placing. (Default: no series) */
  bucket?: q.Bucket
  /** (Default: 48 h standard, 24 h express) */
  sla?: q.Sla
  /** "Now" for purchase frequency when the window has no end. (Default: the current time) */
  now?: Date
}

/** The KPIs of DESIGN.md over the orders placed in the window; every rate is null when its denominator is 0. */
export interface Kpis {
  ordersPlaced: number
  returnRate: {
    unitsSold: number
    unitsReturned: number
    rate: number | null
    /** rate = units of the reason / units sold (they add up to the total rate); share = of the returned units */
    byReason: { reason: string; units: number; rate: number | null; share: number | null }[]
  }
  pickingAccuracy: { pickedOrders: number; ordersWithError: number; rate: number | null }
  leadTime: { deliveredOrders: number; meanMs: number | null; p50Ms: number | null; p95Ms: number | null }
  purchaseFrequency: {
    from: string
    to: string
    orders: number
    customers: number
    ordersPerCustomer: number | null
  }
  backorderRate: { stockCheckedOrders: number; backorderedOrders: number; rate: number | null }
  paymentFailureRate: { ordersWithPayment: number; ordersWithFailedPayment: number; rate: number | null }
  onTimeShipRate: {
    shippedOrders: number
    onTime: number
    rate: number | null
    sla: { standardHours: number; expressHours: number }
  }
  emailsPerTemplate: { template: string; sent: number }[]
}

export interface KpiPoint {
  start: string
  ordersPlaced: number
  unitsSold: number
  unitsReturned: number
  returnRate: number | null
  pickingAccuracy: number | null
  leadTimeMeanMs: number | null
  leadTimeP50Ms: number | null
  leadTimeP95Ms: number | null
  backorderRate: number | null
  paymentFailureRate: number | null
  onTimeShipRate: number | null
  emailsSent: number
}

export interface KpiReport extends Kpis {
  from: string | null
  to: string | null
  flow: string | null
  channel: string | null
  series?: KpiPoint[]
}

type Rows = Awaited<ReturnType<typeof q.summary>>

/** Totals and, with `bucket`, the same figures per bucket. */
export async function kpis(db: Executor, scope: q.KpiScope, opts: KpiOptions = {}): Promise<KpiReport> {
  const sla = opts.sla ?? DEFAULT_SLA
  const end = scope.to ?? opts.now ?? new Date()
  const [totals, series, frequency] = await Promise.all([
    figures(db, scope, sla, undefined),
    opts.bucket ? figures(db, scope, sla, opts.bucket) : undefined,
    q.purchaseFrequency(db, scope, end),
  ])
  const pf = frequency[0]
  const orders = Number(pf?.orders ?? 0)
  const customers = Number(pf?.customers ?? 0)
  return {
    from: scope.from?.toISOString() ?? null,
    to: scope.to?.toISOString() ?? null,
    flow: scope.flowId ?? null,
    channel: scope.channel ?? null,
    ...kpisOf(totals, null, sla),
    purchaseFrequency: {
      from: new Date(end.getTime() - 365 * 86_400_000).toISOString(),
      to: end.toISOString(),
      orders,
      customers,
      ordersPerCustomer: ratio(orders, customers),
    },
    ...(series ? { series: pointsOf(series, sla) } : {}),
  }
}

interface Figures {
  summary: Rows
  returns: Rows
  emails: Rows
}

async function figures(db: Executor, s: q.KpiScope, sla: q.Sla, b: q.Bucket | undefined): Promise<Figures> {
  const [summary, returns, emails] = await Promise.all([
    q.summary(db, s, sla, b),
    q.returnsByReason(db, s, b),
    q.emails(db, s, b),
  ])
  return { summary, returns, emails }
}

const key = (b: Date | null) => (b ? b.toISOString() : '')

/** The figures of one bucket (null: the totals). */
function kpisOf(f: Figures, bucket: string | null, sla: q.Sla): Omit<Kpis, 'purchaseFrequency'> {
  const of = (rows: Rows) => rows.filter((r) => key(r.bucket) === (bucket ?? ''))
  const row = of(f.summary)[0]
  const one = (col: string) => Number(row?.[col] ?? 0)
  const unitsSold = one('units_sold')
  const reasons = of(f.returns).map((r) => ({ reason: String(r.reason), units: Number(r.units) }))
  const unitsReturned = reasons.reduce((a, r) => a + r.units, 0)
  const pct = (row?.pct as number[] | null | undefined) ?? [null, null]
  const picked = one('picked')
  const withError = one('with_error')
  return {
    ordersPlaced: one('orders'),
    returnRate: {
      unitsSold,
      unitsReturned,
      rate: ratio(unitsReturned, unitsSold),
      byReason: reasons
        .sort((a, b) => b.units - a.units || a.reason.localeCompare(b.reason))
        .map((r) => ({ ...r, rate: ratio(r.units, unitsSold), share: ratio(r.units, unitsReturned) })),
    },
    pickingAccuracy: {
      pickedOrders: picked,
      ordersWithError: withError,
      rate: ratio(picked - withError, picked),
    },
    leadTime: {
      deliveredOrders: one('delivered'),
      meanMs: num(row?.mean),
      p50Ms: num(pct[0]),
      p95Ms: num(pct[1]),
    },
    backorderRate: {
      stockCheckedOrders: one('checked'),
      backorderedOrders: one('backordered'),
      rate: ratio(one('backordered'), one('checked')),
    },
    paymentFailureRate: {
      ordersWithPayment: one('attempted'),
      ordersWithFailedPayment: one('failed'),
      rate: ratio(one('failed'), one('attempted')),
    },
    onTimeShipRate: {
      shippedOrders: one('shipped'),
      onTime: one('on_time'),
      rate: ratio(one('on_time'), one('shipped')),
      sla,
    },
    emailsPerTemplate: of(f.emails).map((r) => ({ template: String(r.template), sent: Number(r.sent) })),
  }
}

function pointsOf(f: Figures, sla: q.Sla): KpiPoint[] {
  const starts = new Set<string>()
  for (const rows of Object.values(f)) for (const r of rows) if (r.bucket) starts.add(key(r.bucket))
  return [...starts].sort().map((start) => {
    const k = kpisOf(f, start, sla)
    return {
      start,
      ordersPlaced: k.ordersPlaced,
      unitsSold: k.returnRate.unitsSold,
      unitsReturned: k.returnRate.unitsReturned,
      returnRate: k.returnRate.rate,
      pickingAccuracy: k.pickingAccuracy.rate,
      leadTimeMeanMs: k.leadTime.meanMs,
      leadTimeP50Ms: k.leadTime.p50Ms,
      leadTimeP95Ms: k.leadTime.p95Ms,
      backorderRate: k.backorderRate.rate,
      paymentFailureRate: k.paymentFailureRate.rate,
      onTimeShipRate: k.onTimeShipRate.rate,
      emailsSent: k.emailsPerTemplate.reduce((a, e) => a + e.sent, 0),
    }
  })
}
