import { describe, expect, test } from 'vitest'
import type { FlowMetrics, KpiReport, NodeMetrics } from './api-types.ts'
import {
  autoBucket,
  byReasonCsv,
  chartRange,
  chartSpecs,
  chartX,
  csvName,
  kpiTiles,
  seriesCsv,
  toCsv,
} from './kpi-view.ts'
import {
  buildOverlay,
  edgeLabel,
  edgeView,
  formatCount,
  formatMs,
  formatRate,
  HEAT_STOPS,
  heatColor,
  heatPosition,
  measureOf,
  metricsRows,
  NO_DATA_COLOR,
  nodeFigures,
  periodWindow,
  sortRows,
} from './metrics-view.ts'
import { permissionsFor } from './roles.ts'
import { hrefFor, parseHash } from './router.ts'

const stats = (p50: number | null, p95: number | null) => ({ p50, p95, mean: p50 })
const node = (nodeId: string, o: Partial<NodeMetrics> = {}): NodeMetrics => ({
  nodeId,
  type: nodeId,
  label: null,
  entered: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  retried: 0,
  waitingNow: 0,
  errorRate: null,
  ports: [],
  processingMs: stats(null, null),
  waitingMs: stats(null, null),
  ...o,
})

const metrics: FlowMetrics = {
  flowId: 'f',
  version: null,
  versions: [1, 2],
  from: null,
  to: null,
  nodes: [
    node('in', { type: 'receive', entered: 10, completed: 10, errorRate: 0, processingMs: stats(5, 9) }),
    node('w', {
      type: 'wait',
      entered: 10,
      completed: 6,
      waitingNow: 4,
      errorRate: 0,
      waitingMs: stats(3_600_000, 7_200_000),
    }),
    node('mail', {
      type: 'send-email',
      entered: 2,
      completed: 1,
      failed: 1,
      retried: 1,
      errorRate: 0.5,
      processingMs: stats(1500, 2500),
    }),
    node('end', { type: 'end', entered: 5, completed: 5, errorRate: 0 }),
    node('new', { type: 'end' }),
  ],
  edges: [
    { id: 'in-next-w', source: 'in', sourceHandle: 'next', target: 'w', count: 10, share: 1 },
    { id: 'w-event-end', source: 'w', sourceHandle: 'event', target: 'end', count: 4, share: 2 / 3 },
    { id: 'w-timeout-mail', source: 'w', sourceHandle: 'timeout', target: 'mail', count: 2, share: 1 / 3 },
    { id: 'mail-sent-new', source: 'mail', sourceHandle: 'sent', target: 'new', count: 0, share: null },
  ],
}

describe('formatting', () => {
  test('durations in one unit, ms to days', () => {
    expect(formatMs(null)).toBe('—')
    expect(formatMs(undefined)).toBe('—')
    expect(formatMs(0)).toBe('0 ms')
    expect(formatMs(12.4)).toBe('12 ms')
    expect(formatMs(999)).toBe('999 ms')
    expect(formatMs(999.7)).toBe('1 s')
    expect(formatMs(1500)).toBe('1.5 s')
    expect(formatMs(12_345)).toBe('12 s')
    expect(formatMs(59_999)).toBe('1 min')
    expect(formatMs(150_000)).toBe('2.5 min')
    expect(formatMs(45 * 60_000)).toBe('45 min')
    expect(formatMs(3_600_000)).toBe('1 h')
    expect(formatMs(3.25 * 3_600_000)).toBe('3.3 h')
    expect(formatMs(23.99 * 3_600_000)).toBe('1 d')
    expect(formatMs(93.6 * 3_600_000)).toBe('3.9 d')
    expect(formatMs(40 * 86_400_000)).toBe('40 d')
  })

  test('rates as percentages, counts with separators, null as a dash', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(0)).toBe('0%')
    expect(formatRate(0.5)).toBe('50%')
    expect(formatRate(1 / 3)).toBe('33.3%')
    expect(formatRate(4 / 11)).toBe('36.4%')
    expect(formatRate(1)).toBe('100%')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(null)).toBe('—')
  })
})

describe('periods', () => {
  const now = new Date('2025-03-10T12:34:56.789Z')
  test('from = now minus the period, rounded down to the minute; all time has no from', () => {
    expect(periodWindow('24h', now)).toEqual({ from: '2025-03-09T12:34:00.000Z' })
    expect(periodWindow('7d', now)).toEqual({ from: '2025-03-03T12:34:00.000Z' })
    expect(periodWindow('30d', now)).toEqual({ from: '2025-02-08T12:34:00.000Z' })
    expect(periodWindow('all', now)).toEqual({})
  })
  test('series bucket follows the period', () => {
    expect([
      autoBucket('24h'),
      autoBucket('30d'),
      autoBucket('90d'),
      autoBucket('365d'),
      autoBucket('all'),
    ]).toEqual(['day', 'day', 'week', 'month', 'month'])
  })
})

describe('heatmap', () => {
  test('colour scale: the stops at 0, 1/3, 2/3 and 1, blends between, clamped, grey without data', () => {
    expect(heatColor(0)).toBe(HEAT_STOPS[0])
    expect(heatColor(1 / 3)).toBe(HEAT_STOPS[1])
    expect(heatColor(2 / 3)).toBe(HEAT_STOPS[2])
    expect(heatColor(1)).toBe(HEAT_STOPS[3])
    expect(heatColor(-2)).toBe(HEAT_STOPS[0])
    expect(heatColor(7)).toBe(HEAT_STOPS[3])
    // halfway between #ffffcc and #feb24c
    expect(heatColor(1 / 6)).toBe('#ffd98c')
    expect(heatColor(null)).toBe(NO_DATA_COLOR)
    expect(heatColor(Number.NaN)).toBe(NO_DATA_COLOR)
  })

  test('positions run from 0 to the largest value', () => {
    expect(heatPosition(5, 10)).toBe(0.5)
    expect(heatPosition(0, 0)).toBe(0)
    expect(heatPosition(null, 10)).toBeNull()
  })

  test('each measure reads its figure', () => {
    const mail = metrics.nodes[2]!
    expect(measureOf(mail, 'throughput')).toBe(2)
    expect(measureOf(mail, 'errorRate')).toBe(0.5)
    expect(measureOf(mail, 'p95Processing')).toBe(2500)
    expect(measureOf(mail, 'p95Waiting')).toBeNull()
    expect(measureOf(metrics.nodes[1]!, 'waitingNow')).toBe(4)
  })

  test('the overlay colours nodes by the chosen measure and labels edges by port', () => {
    const waiting = buildOverlay(metrics, 'waitingNow')
    expect(waiting.max).toBe(4)
    expect(waiting.nodes.get('w')).toMatchObject({ value: 4, t: 1, color: HEAT_STOPS[3] })
    expect(waiting.nodes.get('in')).toMatchObject({ value: 0, t: 0, color: HEAT_STOPS[0] })

    const errors = buildOverlay(metrics, 'errorRate')
    expect(errors.max).toBe(0.5)
    expect(errors.nodes.get('mail')?.t).toBe(1)
    expect(errors.nodes.get('new')).toMatchObject({ value: null, t: null, color: NO_DATA_COLOR })

    const throughput = buildOverlay(metrics, 'throughput')
    expect(throughput.nodes.get('mail')?.t).toBe(0.2)

    expect(edgeView(waiting, { source: 'w', sourceHandle: 'timeout', target: 'mail' })).toEqual({
      count: 2,
      share: 1 / 3,
      label: '2 · 33.3%',
    })
    expect(edgeView(waiting, { source: 'mail', sourceHandle: 'sent', target: 'new' })?.label).toBe('0')
    expect(edgeView(waiting, { source: 'in', sourceHandle: 'error', target: 'w' })).toBeUndefined()
    expect(edgeView(null, { source: 'in', sourceHandle: 'next', target: 'w' })).toBeUndefined()
    expect(edgeLabel({ count: 1200, share: 1 })).toBe('1,200 · 100%')
  })

  test('a node card shows counts and p50/p95 times', () => {
    expect(nodeFigures(metrics.nodes[2]!)).toEqual([
      { key: 'entered', label: 'entered', value: '2' },
      { key: 'completed', label: 'completed', value: '1' },
      { key: 'failed', label: 'failed', value: '1' },
      { key: 'waiting-now', label: 'waiting now', value: '0' },
      { key: 'processing', label: 'processing p50 / p95', value: '1.5 s / 2.5 s' },
      { key: 'waiting', label: 'waiting p50 / p95', value: '— / —' },
    ])
    expect(nodeFigures(metrics.nodes[1]!).at(-1)?.value).toBe('1 h / 2 h')
  })
})

describe('table', () => {
  const names: Record<string, string> = {
    in: 'Receive',
    w: 'Wait for payment',
    mail: 'Reminder',
    end: 'Done',
  }
  const rows = metricsRows(metrics, (id) => names[id])

  test('one row per node, named as on the canvas; nodes not on the canvas are marked', () => {
    expect(rows.map((r) => [r.values.name, r.onCanvas])).toEqual([
      ['Receive', true],
      ['Wait for payment', true],
      ['Reminder', true],
      ['Done', true],
      ['new', false],
    ])
    expect(rows[2]!.values).toMatchObject({
      type: 'send-email',
      entered: 2,
      failed: 1,
      retried: 1,
      errorRate: 0.5,
      processingP95: 2500,
      waitingP95: null,
    })
  })

  test('sorts numbers and names both ways, empty values last, ties by name', () => {
    const ids = (key: Parameters<typeof sortRows>[1], dir: 'asc' | 'desc') =>
      sortRows(rows, key, dir).map((r) => r.nodeId)
    expect(ids('entered', 'desc')).toEqual(['in', 'w', 'end', 'mail', 'new'])
    expect(ids('entered', 'asc')).toEqual(['new', 'mail', 'end', 'in', 'w'])
    expect(ids('errorRate', 'desc')).toEqual(['mail', 'end', 'in', 'w', 'new'])
    expect(ids('errorRate', 'asc')).toEqual(['end', 'in', 'w', 'mail', 'new'])
    expect(ids('processingP95', 'asc')).toEqual(['in', 'mail', 'end', 'new', 'w'])
    expect(ids('name', 'asc')).toEqual(['end', 'new', 'in', 'mail', 'w'])
    // the input is left as it was
    expect(rows[0]!.nodeId).toBe('in')
  })
})

describe('KPI dashboard', () => {
  const report: KpiReport = {
    from: '2025-03-01T00:00:00.000Z',
    to: null,
    flow: null,
    channel: null,
    ordersPlaced: 5,
    returnRate: {
      unitsSold: 11,
      unitsReturned: 4,
      rate: 4 / 11,
      byReason: [
        { reason: 'wrong_item', units: 3, rate: 3 / 11, share: 0.75 },
        { reason: 'damaged, "badly"', units: 1, rate: 1 / 11, share: 0.25 },
      ],
    },
    pickingAccuracy: { pickedOrders: 4, ordersWithError: 2, rate: 0.5 },
    leadTime: { deliveredOrders: 3, meanMs: 72 * 3_600_000, p50Ms: 72 * 3_600_000, p95Ms: 93.6 * 3_600_000 },
    purchaseFrequency: { from: '', to: '', orders: 6, customers: 3, ordersPerCustomer: 2 },
    backorderRate: { stockCheckedOrders: 0, backorderedOrders: 0, rate: null },
    paymentFailureRate: { ordersWithPayment: 5, ordersWithFailedPayment: 2, rate: 0.4 },
    onTimeShipRate: { shippedOrders: 4, onTime: 2, rate: 0.5, sla: { standardHours: 48, expressHours: 24 } },
    emailsPerTemplate: [
      { template: 'order-confirmation', sent: 3 },
      { template: 'shipped', sent: 1 },
    ],
    series: [
      {
        start: '2025-03-01T00:00:00.000Z',
        ordersPlaced: 2,
        unitsSold: 7,
        unitsReturned: 3,
        returnRate: 3 / 7,
        pickingAccuracy: 0.5,
        leadTimeMeanMs: 60,
        leadTimeP50Ms: 60,
        leadTimeP95Ms: 70,
        backorderRate: null,
        paymentFailureRate: 0.5,
        onTimeShipRate: 0.5,
        emailsSent: 2,
      },
      {
        start: '2025-03-02T00:00:00.000Z',
        ordersPlaced: 3,
        unitsSold: 4,
        unitsReturned: 1,
        returnRate: 0.25,
        pickingAccuracy: null,
        leadTimeMeanMs: null,
        leadTimeP50Ms: null,
        leadTimeP95Ms: null,
        backorderRate: null,
        paymentFailureRate: 1 / 3,
        onTimeShipRate: 0.5,
        emailsSent: 2,
      },
    ],
  }

  test('a tile per KPI; null rates show as a dash', () => {
    const tiles = Object.fromEntries(kpiTiles(report).map((t) => [t.key, t]))
    expect(Object.keys(tiles)).toEqual([
      'ordersPlaced',
      'returnRate',
      'pickingAccuracy',
      'leadTime',
      'purchaseFrequency',
      'backorderRate',
      'paymentFailureRate',
      'onTimeShipRate',
      'emailsSent',
    ])
    expect(tiles.ordersPlaced!.value).toBe('5')
    expect(tiles.returnRate).toMatchObject({ value: '36.4%', detail: ['4 of 11 units sold returned'] })
    expect(tiles.leadTime).toMatchObject({
      value: '3 d',
      detail: ['p50 3 d · p95 3.9 d (placed → delivered)', '3 delivered orders'],
    })
    expect(tiles.purchaseFrequency!.value).toBe('2')
    expect(tiles.backorderRate!.value).toBe('—')
    expect(tiles.paymentFailureRate!.value).toBe('40%')
    expect(tiles.emailsSent).toMatchObject({ value: '4', detail: ['order-confirmation: 3', 'shipped: 1'] })
  })

  test('chart columns follow the series, gaps stay null', () => {
    expect(chartX(report.series!)).toEqual([1740787200, 1740873600])
    const [volume, rates, lead] = chartSpecs(report.series!)
    expect(volume!.lines[0]).toMatchObject({ label: 'Orders placed', values: [2, 3] })
    expect(rates!.lines.find((l) => l.label === 'Picking accuracy')!.values).toEqual([0.5, null])
    expect(lead!.lines.map((l) => l.values[1])).toEqual([null, null, null])
  })

  test('the time axis spans the window, not years around a single point', () => {
    const day = 86_400
    const x = chartX(report.series!)
    const now = new Date('2025-03-10T00:00:00Z')
    expect(chartRange(x, 'day', report.from, now)).toEqual([x[0], x[1]! + 2 * day])
    // open window: half a bucket before the first point; now when it is close
    expect(chartRange([x[0]!], 'day', null, new Date(1740787200_000 + 1.5 * day * 1000))).toEqual([
      x[0]! - day / 2,
      x[0]! + 1.5 * day,
    ])
    // a week bucket may start before the window does
    expect(chartRange([x[0]! - 3 * day], 'week', report.from, now)?.[0]).toBe(x[0]! - 3 * day)
    expect(chartRange([], 'day', null)).toBeNull()
  })

  test('the dashboard has a route and a nav entry for analysts, operations and admins only', () => {
    expect(parseHash(hrefFor({ name: 'kpis' }))).toEqual({ name: 'kpis' })
    expect(
      (['admin', 'operations', 'analyst', 'merchant', 'warehouse', 'channel'] as const).filter(
        (r) => permissionsFor(r).viewMetrics,
      ),
    ).toEqual(['admin', 'operations', 'analyst'])
  })

  test('CSV of the series and of returns by reason, quoted where needed', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', null, 1.5]])).toBe('a,"b,c","say ""hi""",,1.5\r\n')
    const series = seriesCsv(report.series!).split('\r\n')
    expect(series[0]).toBe(
      'start,ordersPlaced,unitsSold,unitsReturned,returnRate,pickingAccuracy,leadTimeMeanMs,leadTimeP50Ms,leadTimeP95Ms,backorderRate,paymentFailureRate,onTimeShipRate,emailsSent',
    )
    expect(series[2]).toBe(`2025-03-02T00:00:00.000Z,3,4,1,0.25,,,,,,${1 / 3},0.5,2`)
    expect(series).toHaveLength(4)
    expect(byReasonCsv(report)).toBe(
      `reason,units,rate,share\r\nwrong_item,3,${3 / 11},0.75\r\n"damaged, ""badly""",1,${1 / 11},0.25\r\n(all),4,${4 / 11},1\r\n`,
    )
    expect(csvName('series', { flow: 'default', period: '30d' })).toBe('kpis-default-30d-series.csv')
    expect(csvName('by-reason', { channel: 'shop/eu', period: 'all' })).toBe(
      'kpis-all-flows-shop-eu-all-by-reason.csv',
    )
  })
})
