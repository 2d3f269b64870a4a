import fs from 'node:fs'
import { beforeAll, describe, expect, test } from 'vitest'
import { type Browser, browserTestHooks, launch, screenshot } from './browser.ts'
import { sampleOrder } from './sample-order.ts'
import { type E2EServer, startServer } from './server.ts'

// one server and one browser for the file; the orders are placed once, up front
let server: E2EServer
let b: Browser
const flowId = `e2e-metrics-${Date.now()}`
const ORDERS = 3

/** receive → send-email → end: an order runs through at once, no events or stock needed. */
const graph = {
  nodes: [
    { id: 'receive', type: 'receive', config: {}, position: { x: 0, y: 0 } },
    {
      id: 'confirm',
      type: 'send-email',
      label: 'Confirm order',
      config: { template: 'order-confirmation' },
      position: { x: 320, y: 0 },
    },
    { id: 'end', type: 'end', config: { status: 'completed' }, position: { x: 640, y: 0 } },
  ],
  edges: [
    { id: 'receive-confirm', source: 'receive', sourceHandle: 'next', target: 'confirm' },
    { id: 'confirm-end', source: 'confirm', sourceHandle: 'sent', target: 'end' },
  ],
}

/** Waits (outside a test, so no expect.poll) until the order's run completed. */
async function runEnds(orderId: number, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs
  let status: string | undefined
  while (Date.now() < until) {
    status = (await server.api('GET', `/orders/${orderId}`)).body.run?.status
    if (status === 'completed') return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(
    `order ${orderId}: run ${status ?? 'not started'} after ${timeoutMs} ms, expected completed`,
  )
}

beforeAll(async () => {
  server = await startServer()
  expect((await server.api('POST', '/flows', { id: flowId, name: 'E2E metrics', graph })).status).toBe(201)
  expect((await server.api('POST', `/flows/${flowId}/publish`, { note: 'e2e metrics' })).status).toBe(201)
  const ids: number[] = []
  for (let i = 0; i < ORDERS; i++) {
    const created = await server.api('POST', '/orders', sampleOrder(`E2E-M-${Date.now()}-${i}`, { flowId }))
    expect(created.status).toBe(201)
    ids.push(created.body.id as number)
  }
  // every run ends before the browser looks, so the figures are final
  for (const id of ids) await runEnds(id)
  b = await launch()
  await b.page.goto(`${server.url}/?token=${server.adminToken}`)
  await b.page.getByTestId('who').waitFor()
}, 120_000)

browserTestHooks('metrics', () => ({ browser: b, server }))

describe('canvas metrics mode', () => {
  test('shows the figures of each node and edge, as a heatmap and as a table', async () => {
    const { page } = b
    await page.goto(`${server.url}/#/flows/${flowId}`)
    const confirm = page.getByTestId('node-confirm')
    await confirm.waitFor()
    expect(await confirm.getByTestId('node-metrics').count()).toBe(0)

    await page.getByTestId('metrics-toggle').click()
    await expect
      .poll(() => confirm.getByTestId('metric-entered').textContent(), { timeout: 10_000 })
      .toBe(String(ORDERS))
    expect(await confirm.getByTestId('metric-completed').textContent()).toBe(String(ORDERS))
    expect(await confirm.getByTestId('metric-failed').textContent()).toBe('0')
    expect(await confirm.getByTestId('metric-waiting-now').textContent()).toBe('0')
    // processing times are real (some ms); nothing waited
    expect(await confirm.getByTestId('metric-processing').textContent()).toMatch(
      /^\d+(\.\d)? (ms|s) \/ \d+(\.\d)? (ms|s)$/,
    )
    expect(await confirm.getByTestId('metric-waiting').textContent()).toBe('— / —')
    expect(await page.getByTestId('node-end').getByTestId('metric-entered').textContent()).toBe(
      String(ORDERS),
    )
    // every order took both edges
    expect(await page.getByTestId('edge-metric-confirm-end').textContent()).toContain(`${ORDERS} · 100%`)
    expect(await page.getByTestId('edge-metric-receive-confirm').textContent()).toContain(`${ORDERS} · 100%`)

    // the heatmap by throughput: every node entered 3 times, so the scale tops at 3
    expect(await page.getByTestId('heat-max').textContent()).toBe(String(ORDERS))
    await page.getByLabel('Heatmap measure').selectOption('errorRate')
    await expect.poll(() => page.getByTestId('heat-max').textContent()).toBe('0%')

    // the same figures as a table, sortable
    await page.getByRole('button', { name: 'Table', exact: true }).click()
    const table = page.getByTestId('metrics-table')
    const row = table.getByTestId('metrics-row-confirm')
    await row.waitFor()
    expect(await row.locator('[data-col="name"]').textContent()).toContain('Confirm order')
    expect(await row.locator('[data-col="entered"]').textContent()).toBe(String(ORDERS))
    expect(await row.locator('[data-col="errorRate"]').textContent()).toBe('0%')
    await table.getByRole('button', { name: /^Node/ }).click()
    await expect
      .poll(() =>
        table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid'))),
      )
      .toEqual(['metrics-row-confirm', 'metrics-row-end', 'metrics-row-receive'])

    // one version chosen: the same, since only v1 ran
    await page.getByLabel('Metrics version').selectOption('1')
    await expect.poll(() => confirm.getByTestId('metric-entered').textContent()).toBe(String(ORDERS))

    // off again: the cards show their configuration
    await page.getByTestId('metrics-toggle').click()
    await expect.poll(() => confirm.getByTestId('node-metrics').count()).toBe(0)
    expect(await page.getByTestId('edge-metric-confirm-end').count()).toBe(0)
  })

  test('an analyst sees the same figures on the read-only canvas', { timeout: 60_000 }, async (ctx) => {
    if (!server.tokenFor) return ctx.skip()
    const token = await server.tokenFor('analyst')
    const other = await launch()
    try {
      const { page } = other
      await page.goto(`${server.url}/?token=${token}`)
      await page.getByTestId('who').waitFor()
      const nav = page.getByRole('navigation', { name: 'Main' })
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Flows', 'Orders', 'KPIs'])
      await page.goto(`${server.url}/#/flows/${flowId}`)
      await page.getByText('Read-only').waitFor()
      await page.getByTestId('metrics-toggle').click()
      const entered = page.getByTestId('node-confirm').getByTestId('metric-entered')
      await expect.poll(() => entered.textContent(), { timeout: 10_000 }).toBe(String(ORDERS))
      expect(other.takeErrors()).toEqual([])
    } catch (e) {
      await screenshot(other.page, 'metrics-analyst')
      throw e
    } finally {
      await other.close()
    }
  })
})

describe('KPI dashboard', () => {
  test('shows the KPIs of a flow with charts, and exports the series as CSV', async () => {
    const { page } = b
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'KPIs' }).click()
    await page.waitForURL(/#\/kpis$/)
    await page.getByTestId('kpi-ordersPlaced').waitFor()
    // the test server's database holds only this file's orders in this flow
    await page.getByLabel('Flow', { exact: true }).selectOption(flowId)
    const placed = page.getByTestId('kpi-ordersPlaced').getByTestId('kpi-value')
    await expect.poll(() => placed.textContent(), { timeout: 10_000 }).toBe(String(ORDERS))
    // nothing shipped: no return rate can be measured, shown as a dash
    expect(await page.getByTestId('kpi-returnRate').getByTestId('kpi-value').textContent()).toBe('—')
    expect(await page.getByTestId('kpi-leadTime').getByTestId('kpi-value').textContent()).toBe('—')
    // the charts are drawn (uPlot, loaded with this screen)
    await page.getByTestId('chart-volume').locator('canvas').first().waitFor()
    expect(await page.getByTestId('chart-rates').locator('canvas').count()).toBeGreaterThan(0)

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Series CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toBe(`kpis-${flowId}-30d-series-day.csv`)
    const csv = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n')
    expect(csv[0]).toMatch(/^start,ordersPlaced,unitsSold,/)
    // one row a day (two when the orders straddle midnight UTC)
    const placedPerDay = csv.slice(1).map((line) => Number(line.split(',')[1]))
    expect(placedPerDay.reduce((x, y) => x + y, 0)).toBe(ORDERS)
  })
})
