import type { Locator } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { formatCount, formatMs, formatRate } from '../../editor/src/lib/metrics-view.ts'
import { type Browser, browserTestHooks, launch } from './browser.ts'
import { type E2EServer, startServer } from './server.ts'

// one server and one browser for the file, signed in as an analyst (read-only canvas, may simulate)
let server: E2EServer
let b: Browser
const flowId = `e2e-sim-${Date.now()}`

const node = (id: string, type: string, x: number, config: Record<string, unknown> = {}) => ({
  id,
  type,
  config,
  position: { x, y: 0 },
})
/** v1: receive → confirmation email → end; v2 drops the email, so the two differ in emails sent. */
const withEmail = {
  nodes: [
    node('receive', 'receive', 0),
    node('confirm', 'send-email', 320, { template: 'order-confirmation' }),
    node('end', 'end', 640, { status: 'completed' }),
  ],
  edges: [
    { id: 'receive-confirm', source: 'receive', sourceHandle: 'next', target: 'confirm' },
    { id: 'confirm-end', source: 'confirm', sourceHandle: 'sent', target: 'end' },
  ],
}
const withoutEmail = {
  nodes: [node('receive', 'receive', 0), node('end', 'end', 640, { status: 'completed' })],
  edges: [{ id: 'receive-end', source: 'receive', sourceHandle: 'next', target: 'end' }],
}

beforeAll(async () => {
  server = await startServer()
  expect(
    (await server.api('POST', '/flows', { id: flowId, name: 'E2E simulation', graph: withEmail })).status,
  ).toBe(201)
  expect((await server.api('POST', `/flows/${flowId}/publish`, { note: 'with email' })).status).toBe(201)
  expect((await server.api('PUT', `/flows/${flowId}`, { graph: withoutEmail })).status).toBe(200)
  expect((await server.api('POST', `/flows/${flowId}/publish`, { note: 'without email' })).status).toBe(201)
  b = await launch()
  const token = server.tokenFor ? await server.tokenFor('analyst') : server.adminToken
  await b.page.goto(`${server.url}/?token=${token}`)
  await b.page.getByTestId('who').waitFor()
}, 120_000)

browserTestHooks('simulation', () => ({ browser: b, server }))

/** Opens a flow's simulation panel. */
async function openPanel(id: string) {
  const { page } = b
  const open = page.getByRole('dialog', { name: 'Simulate flow' })
  // a test that failed half-way may have left it open
  if ((await open.count()) > 0) await open.getByRole('button', { name: 'Close', exact: true }).first().click()
  await page.goto(`${server.url}/#/flows/${id}`)
  await page.locator('.svelte-flow__node').first().waitFor()
  await page.getByRole('button', { name: 'Simulate' }).click()
  const dialog = page.getByRole('dialog', { name: 'Simulate flow' })
  // the versions are loaded: the Version select has its options
  await expect
    .poll(() => dialog.getByLabel('Version', { exact: true }).locator('option').count())
    .toBeGreaterThan(0)
  return dialog
}

/** Clicks Run and returns the id the API answered the POST with. */
async function run(dialog: Locator): Promise<string> {
  const [res] = await Promise.all([
    b.page.waitForResponse((r) => r.url().endsWith('/api/simulations') && r.request().method() === 'POST'),
    dialog.getByRole('button', { name: /^(Run simulation|Run again)$/ }).click(),
  ])
  expect(res.status()).toBe(202)
  return (await res.json()).id
}

async function untilFinished(id: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const r = await server.api('GET', `/simulations/${id}`)
    if (r.body.status !== 'running') return r.body
    if (Date.now() > until) throw new Error(`simulation ${id} still running after ${timeoutMs} ms`)
    await new Promise((res) => setTimeout(res, 250))
  }
}

describe('simulations from the flow screen', () => {
  test('checks the form, runs 30 orders through the default flow with progress, and shows its KPIs and nodes', {
    timeout: 60_000,
  }, async () => {
    const dialog = await openPanel('default')
    // the active version is the default; a wrong count is refused before anything is sent
    expect(await dialog.getByLabel('Version', { exact: true }).inputValue()).toBe('1')
    const orders = dialog.getByLabel('Orders')
    await orders.fill('5000')
    await dialog.getByRole('button', { name: 'Run simulation' }).click()
    await dialog.getByText('Enter a whole number of orders from 1 to 2,000.').waitFor()
    expect(await orders.getAttribute('aria-invalid')).toBe('true')

    await orders.fill('30')
    await dialog.getByLabel('Arriving over (days)').fill('1')
    await dialog.getByLabel('Seed').fill('7')
    const id = await run(dialog)
    expect(await dialog.getByText('Enter a whole number').count()).toBe(0)
    await dialog.getByRole('progressbar', { name: 'Simulation progress' }).waitFor()
    const kpis = dialog.getByTestId('simulation-kpis')
    await kpis.waitFor({ timeout: 40_000 })
    expect(await dialog.getByRole('progressbar').count()).toBe(0)

    // what the table shows is what the API answers for this simulation
    const sim = await untilFinished(id)
    expect(sim.status).toBe('done')
    expect(sim.progress).toEqual({ done: 30, total: 30 })
    const k = sim.result.kpis
    const cell = (key: string) =>
      kpis.getByTestId(`sim-kpi-${key}`).locator('[data-col="value"]').textContent()
    expect(await cell('ordersPlaced')).toBe(formatCount(k.ordersPlaced))
    expect(k.ordersPlaced).toBe(30)
    expect(await cell('paymentFailureRate')).toBe(formatRate(k.paymentFailureRate.rate))
    expect(await cell('onTimeShipRate')).toBe(formatRate(k.onTimeShipRate.rate))
    expect(await cell('leadTime')).toBe(formatMs(k.leadTime.meanMs))
    expect(await dialog.getByTestId('simulation-summary').textContent()).toMatch(/^v1: 30 orders, /)

    // per node: the published version's figures, named as on the canvas
    const busiest = [...sim.result.metrics.nodes].sort((x, y) => y.entered - x.entered)[0]
    expect(busiest.entered).toBeGreaterThan(0)
    const row = dialog.getByTestId(`metrics-row-${busiest.nodeId}`)
    expect(await row.locator('[data-col="entered"]').textContent()).toBe(formatCount(busiest.entered))

    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click()
    await expect.poll(() => b.page.getByRole('dialog', { name: 'Simulate flow' }).count()).toBe(0)
  })

  test('compares two versions on the same orders: A | B | difference', { timeout: 60_000 }, async () => {
    const dialog = await openPanel(flowId)
    expect(await dialog.getByLabel('Version', { exact: true }).inputValue()).toBe('2')
    await dialog.getByLabel('Version', { exact: true }).selectOption('1')
    await dialog.getByLabel('Compare with version').selectOption('2')
    await dialog.getByLabel('Orders').fill('10')
    await dialog.getByLabel('Arriving over (days)').fill('1')
    const id = await run(dialog)
    const table = dialog.getByTestId('simulation-compare')
    await table.waitFor({ timeout: 40_000 })

    const sim = await untilFinished(id)
    const { a, b: vb, differences } = sim.result.compare
    expect([a.flow.version, vb.flow.version]).toEqual([1, 2])
    expect(await table.locator('thead').textContent()).toContain('A: v1')
    const row = (key: string) => table.getByTestId(`sim-diff-${key}`)
    const col = (key: string, c: string) => row(key).locator(`[data-col="${c}"]`).textContent()
    // the same order stream: as many orders on both sides, as the API's own differences say
    expect(differences.find((d: { kpi: string }) => d.kpi === 'orders placed')).toMatchObject({ delta: 0 })
    expect(await col('ordersPlaced', 'a')).toBe('10')
    expect(await col('ordersPlaced', 'b')).toBe('10')
    expect(await col('ordersPlaced', 'difference')).toBe('=')
    // v1 sends a confirmation per order, v2 none
    const sent = (r: { kpis: { emailsPerTemplate: { sent: number }[] } }) =>
      r.kpis.emailsPerTemplate.reduce((s, e) => s + e.sent, 0)
    expect(sent(a)).toBe(10)
    expect(sent(vb)).toBe(0)
    expect(await col('emailsSent', 'a')).toBe(formatCount(sent(a)))
    expect(await col('emailsSent', 'b')).toBe('0')
    expect(await col('emailsSent', 'difference')).toBe(`\u2212${formatCount(sent(a))}`)
    expect(await row('emailsSent').locator('[data-col="difference"]').getAttribute('data-direction')).toBe(
      'changed',
    )

    // per node of B: the email node is not in v2
    await dialog.getByLabel('Per-node figures of').selectOption({ label: 'B: v2' })
    await expect.poll(() => dialog.getByTestId('metrics-row-confirm').count()).toBe(0)
    await dialog.getByTestId('metrics-row-receive').waitFor()
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click()
  })

  test('shows the API refusing a second simulation while one runs (409)', { timeout: 60_000 }, async () => {
    const busy = await server.api('POST', '/simulations', { flowId: 'default', orders: 100, days: 1 })
    expect(busy.status).toBe(202)
    try {
      const dialog = await openPanel(flowId)
      await dialog.getByLabel('Orders').fill('5')
      await dialog.getByRole('button', { name: 'Run simulation' }).click()
      const error = dialog.getByTestId('simulation-error')
      await error.waitFor()
      expect(await error.textContent()).toBe(
        `Simulation ${busy.body.id} is still running; wait for it to finish.`,
      )
      // the form stays usable for another try
      expect(await dialog.getByRole('button', { name: 'Run simulation' }).isEnabled()).toBe(true)
      // the browser logs the 409 it was told about; nothing else
      expect(b.takeErrors().filter((e) => !/status of 409/.test(e))).toEqual([])
      await dialog.getByRole('button', { name: 'Close', exact: true }).first().click()
    } finally {
      await untilFinished(busy.body.id, 60_000)
    }
  })
})
