import { describe, expect, test } from 'vitest'
import type { KpiReport, Role, VersionInfo } from './api-types.ts'
import { permissionsFor } from './roles.ts'
import {
  checkForm,
  compareRows,
  defaultForm,
  difference,
  kpiRows,
  progressLabel,
  progressPercent,
  runSummary,
  type SimulationForm,
} from './simulation-view.ts'

const HOUR = 3_600_000

/** A report of `n` orders; the rest as given. */
function report(o: Partial<KpiReport> = {}): KpiReport {
  return {
    from: null,
    to: null,
    flow: 'default',
    channel: null,
    ordersPlaced: 30,
    returnRate: { unitsSold: 40, unitsReturned: 4, rate: 0.1, byReason: [] },
    pickingAccuracy: { pickedOrders: 20, ordersWithError: 1, rate: 0.95 },
    leadTime: { deliveredOrders: 18, meanMs: 50 * HOUR, p50Ms: 48 * HOUR, p95Ms: 80 * HOUR },
    purchaseFrequency: { from: '', to: '', orders: 30, customers: 25, ordersPerCustomer: 1.2 },
    backorderRate: { stockCheckedOrders: 28, backorderedOrders: 2, rate: 2 / 28 },
    paymentFailureRate: { ordersWithPayment: 30, ordersWithFailedPayment: 2, rate: 2 / 30 },
    onTimeShipRate: {
      shippedOrders: 20,
      onTime: 18,
      rate: 0.9,
      sla: { standardHours: 48, expressHours: 24 },
    },
    emailsPerTemplate: [{ template: 'order-confirmation', sent: 30 }],
    ...o,
  }
}

const version = (v: number, active = false): VersionInfo => ({
  version: v,
  note: null,
  publishedBy: null,
  publishedAt: '2025-03-01T00:00:00.000Z',
  active,
})

describe('the simulation form', () => {
  const form = (o: Partial<SimulationForm> = {}): SimulationForm => ({
    ...defaultForm([version(1), version(2, true)]),
    ...o,
  })

  test('starts with 200 orders over 7 days on the active version, no comparison', () => {
    expect(defaultForm([version(1, true), version(2)])).toEqual({
      orders: 200,
      seed: '',
      days: 7,
      version: 1,
      compareWith: '',
    })
    // nothing active (should not happen once published): the newest
    expect(defaultForm([version(1), version(3)]).version).toBe(3)
    expect(defaultForm([]).version).toBe('')
  })

  test('builds the request: version alone, or compare [A, B]; an empty seed is left to the server', () => {
    expect(checkForm('default', form({ orders: 30, days: 1 }))).toEqual({
      request: { flowId: 'default', orders: 30, days: 1, version: 2 },
    })
    expect(checkForm('default', form({ seed: 7, compareWith: 1 }))).toEqual({
      request: { flowId: 'default', orders: 200, seed: 7, days: 7, compare: [2, 1] },
    })
    // number inputs give strings or null in some browsers and states
    expect(checkForm('f', form({ orders: '12', seed: null, days: '0.5' })).request).toMatchObject({
      orders: 12,
      days: 0.5,
    })
  })

  test('says what is wrong with each field, as the API would refuse it', () => {
    const { errors } = checkForm('f', form({ orders: 0, seed: 1.5, days: 90, compareWith: 2 }))
    expect(errors).toEqual({
      orders: 'Enter a whole number of orders from 1 to 2,000.',
      seed: 'The seed is a whole number from 1 to 2,147,483,647; leave it empty for 1.',
      days: 'Orders arrive over 0.1 to 60 days.',
      compareWith: 'Version 2 is version A already; choose another one, or none.',
    })
    expect(checkForm('f', form({ orders: 2001 })).errors).toHaveProperty('orders')
    expect(checkForm('f', form({ orders: null })).errors).toHaveProperty('orders')
    expect(checkForm('f', form({ orders: '' })).errors).toHaveProperty('orders')
    expect(checkForm('f', form({ days: '' })).errors).toHaveProperty('days')
    expect(checkForm('f', form({ seed: 2 ** 31 })).errors).toHaveProperty('seed')
    expect(checkForm('f', form({ version: '' })).errors).toEqual({ version: 'Choose a published version.' })
  })

  test('only operations and analysts (and admins) may run simulations, as the API allows', () => {
    const roles: Role[] = ['admin', 'operations', 'merchant', 'analyst', 'warehouse', 'channel']
    expect(roles.filter((r) => permissionsFor(r).runSimulations)).toEqual(['admin', 'operations', 'analyst'])
  })
})

describe('progress and summary', () => {
  test('percent done and what it counts', () => {
    expect(progressPercent({ done: 0, total: 0 })).toBe(0)
    expect(progressPercent({ done: 10, total: 30 })).toBe(33)
    expect(progressPercent({ done: 30, total: 30 })).toBe(100)
    expect(progressLabel({ done: 12, total: 30 }, 1)).toBe('12 of 30 orders placed')
    expect(progressLabel({ done: 1500, total: 4000 }, 2)).toBe(
      '1,500 of 4,000 orders placed (2 runs on the same orders)',
    )
  })

  test('one line per run: orders, simulated and wall time, runs by status', () => {
    const run = {
      flow: { id: 'default', version: 2 },
      orders: 30,
      runs: { waiting: 5, completed: 25 },
      simulatedDays: 64.04,
      wallSeconds: 3.21,
    }
    expect(runSummary(run)).toBe('v2: 30 orders, 64 d simulated in 3.2 s; runs: 25 completed, 5 waiting')
  })
})

describe('KPI rows', () => {
  test('the dashboard tiles, formatted the same, with each return reason after the return rate', () => {
    const r = report({
      returnRate: {
        unitsSold: 40,
        unitsReturned: 4,
        rate: 0.1,
        byReason: [
          { reason: 'damaged', units: 3, rate: 0.075, share: 0.75 },
          { reason: 'wrong-item', units: 1, rate: 0.025, share: 0.25 },
        ],
      },
    })
    const rows = kpiRows(r)
    expect(rows.map((x) => x.key)).toEqual([
      'ordersPlaced',
      'returnRate',
      'return-damaged',
      'return-wrong-item',
      'pickingAccuracy',
      'leadTime',
      'purchaseFrequency',
      'backorderRate',
      'paymentFailureRate',
      'onTimeShipRate',
      'emailsSent',
    ])
    expect(rows[1]).toMatchObject({
      title: 'Return rate',
      value: '10%',
      detail: ['4 of 40 units sold returned'],
    })
    expect(rows[2]).toMatchObject({
      title: 'Reason: damaged',
      value: '7.5%',
      detail: ['3 units returned'],
      sub: true,
    })
    expect(rows.find((x) => x.key === 'leadTime')).toMatchObject({
      value: '2.1 d',
      figure: 50 * HOUR,
      unit: 'ms',
    })
  })

  test('B − A in the unit of the KPI; better or worse where the KPI has a good direction', () => {
    const rate = { unit: 'rate', better: 'lower' } as const
    expect(difference(rate, 0.1, 0.125)).toEqual({ difference: '+2.5 pts', direction: 'worse' })
    expect(difference(rate, 0.125, 0.1)).toEqual({ difference: '\u22122.5 pts', direction: 'better' })
    expect(difference({ unit: 'rate', better: 'higher' }, 0.9, 0.95)).toEqual({
      difference: '+5 pts',
      direction: 'better',
    })
    // what the rate shows as equal is equal
    expect(difference(rate, 0.1, 0.10001)).toEqual({ difference: '=', direction: 'same' })
    expect(difference({ unit: 'ms', better: 'lower' }, 50 * HOUR, 47 * HOUR)).toEqual({
      difference: '\u22123 h',
      direction: 'better',
    })
    expect(difference({ unit: 'count' }, 30, 0)).toEqual({ difference: '\u221230', direction: 'changed' })
    expect(difference({ unit: 'count' }, 30, 30)).toEqual({ difference: '=', direction: 'same' })
    expect(difference({ unit: 'ratio', better: 'higher' }, 1.2, 1.25)).toEqual({
      difference: '+0.05',
      direction: 'better',
    })
    // nothing to compare with
    expect(difference(rate, null, 0.1)).toEqual({ difference: '', direction: null })
  })

  test('two reports side by side; a row only one side has shows a dash on the other', () => {
    const a = report()
    const b = report({
      returnRate: {
        unitsSold: 40,
        unitsReturned: 6,
        rate: 0.15,
        byReason: [{ reason: 'damaged', units: 6, rate: 0.15, share: 1 }],
      },
      leadTime: { deliveredOrders: 18, meanMs: 40 * HOUR, p50Ms: 40 * HOUR, p95Ms: 70 * HOUR },
      emailsPerTemplate: [],
    })
    const rows = Object.fromEntries(compareRows(a, b).map((r) => [r.key, r]))
    expect(Object.keys(rows).slice(0, 4)).toEqual([
      'ordersPlaced',
      'returnRate',
      'return-damaged',
      'pickingAccuracy',
    ])
    expect(rows.ordersPlaced).toMatchObject({ a: '30', b: '30', difference: '=', direction: 'same' })
    expect(rows.returnRate).toMatchObject({ a: '10%', b: '15%', difference: '+5 pts', direction: 'worse' })
    expect(rows['return-damaged']).toMatchObject({
      a: '—',
      b: '15%',
      difference: '',
      direction: null,
      sub: true,
    })
    expect(rows.leadTime).toMatchObject({
      a: '2.1 d',
      b: '1.7 d',
      difference: '\u221210 h',
      direction: 'better',
    })
    expect(rows.emailsSent).toMatchObject({ a: '30', b: '0', difference: '\u221230', direction: 'changed' })
  })
})
