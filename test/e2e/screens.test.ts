import { beforeAll, describe, expect, test } from 'vitest'
import { type Browser, browserTestHooks, launch, screenshot } from './browser.ts'
import { sampleOrder } from './sample-order.ts'
import { type E2EServer, startServer } from './server.ts'

let server: E2EServer
let b: Browser

beforeAll(async () => {
  server = await startServer()
  b = await launch()
  await b.page.goto(`${server.url}/?token=${server.adminToken}`)
  await b.page.getByTestId('who').waitFor()
}, 120_000)

browserTestHooks('screens', () => ({ browser: b, server }))

/** Signs in through the sign-in page with an API token. */
async function signIn(page: Browser['page'], token: string) {
  await page.goto(server.url)
  await page.getByLabel('Access token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('roles', () => {
  test('a merchant signs in with a token and gets the templates, not the flow editor', { timeout: 60_000 }, async (ctx) => {
    if (!server.tokenFor) return ctx.skip()
    const token = await server.tokenFor('merchant')
    const other = await launch()
    try {
      const { page } = other
      await signIn(page, token)
      await page.waitForURL(/#\/templates/)
      const nav = page.getByRole('navigation', { name: 'Main' })
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Flows', 'Templates', 'Orders'])
      // flows are visible to merchants, read-only: no palette, no publish. Wait for the templates
      // screen to settle first: navigating while it still loads raced with its own routing.
      await page.getByText('order-confirmation', { exact: false }).first().waitFor()
      await page.goto(`${server.url}/#/flows/default`)
      await page.waitForURL(/#\/flows\/default/)
      await page.getByText('Read-only').waitFor()
      expect(await page.getByRole('button', { name: 'Publish' }).count()).toBe(0)
      expect(await page.getByLabel('Node palette').count()).toBe(0)
      expect(other.takeErrors()).toEqual([])
    } catch (e) {
      await screenshot(other.page, 'screens-merchant')
      throw e
    } finally {
      await other.close()
    }
  })

  test('leaving the templates screen before its list arrives does not pull the user back to it', { timeout: 60_000 }, async (ctx) => {
    if (!server.tokenFor) return ctx.skip()
    const token = await server.tokenFor('merchant')
    const other = await launch()
    try {
      const { page } = other
      // hold the template list back until the user has gone to a flow
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let asked!: () => void
      const requested = new Promise<void>((r) => (asked = r))
      await page.route('**/api/templates', async (r) => {
        asked()
        await held
        await r.continue()
      })
      await signIn(page, token)
      await page.waitForURL(/#\/templates$/)
      await requested
      await page.goto(`${server.url}/#/flows/default`)
      await page.getByText('Read-only').waitFor()
      const answered = page.waitForResponse('**/api/templates')
      release()
      await answered
      // the templates screen, gone, used to pick its first template then, and so route back to it
      await page.waitForTimeout(500)
      expect(new URL(page.url()).hash).toBe('#/flows/default')
      expect(await page.getByText('Read-only').count()).toBe(1)
    } catch (e) {
      await screenshot(other.page, 'screens-merchant-leaves-templates')
      throw e
    } finally {
      await other.close()
    }
  })
})

describe('orders', () => {
  test('an order posted through the API completes on the orders page', async () => {
    const { page } = b
    // a flow of its own, so the test does not depend on what the default flow asks for (stock, events)
    const flowId = `e2e-orders-${Date.now()}`
    const graph = {
      nodes: [
        { id: 'receive', type: 'receive', config: {}, position: { x: 0, y: 0 } },
        { id: 'confirm', type: 'send-email', config: { template: 'order-confirmation' }, position: { x: 300, y: 0 } },
        { id: 'end', type: 'end', config: { status: 'completed' }, position: { x: 600, y: 0 } },
      ],
      edges: [
        { source: 'receive', sourceHandle: 'next', target: 'confirm' },
        { source: 'confirm', sourceHandle: 'sent', target: 'end' },
      ],
    }
    expect((await server.api('POST', '/flows', { id: flowId, name: 'E2E orders', graph })).status).toBe(201)
    expect((await server.api('POST', `/flows/${flowId}/publish`, { note: 'e2e' })).status).toBe(201)
    const externalId = `E2E-${Date.now()}`
    const created = await server.api('POST', '/orders', sampleOrder(externalId, { flowId }))
    expect(created.status).toBe(201)
    const id = created.body.id as number

    await page.goto(`${server.url}/#/orders`)
    const row = page.getByTestId(`order-row-${id}`)
    await row.waitFor()
    expect(await row.textContent()).toContain(externalId)
    await row.click()
    await page.waitForURL(new RegExp(`#/orders/${id}$`))
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 15_000 }).toBe('completed')
    const timeline = page.getByTestId('timeline')
    expect(await timeline.locator('li').count()).toBeGreaterThan(1)
    expect(await timeline.textContent()).toContain('receive')
  })
})

describe('templates', () => {
  test('an edit changes the live preview; a broken template is refused with line and column', async () => {
    const { page } = b
    await page.goto(`${server.url}/#/templates/order-confirmation`)
    const subject = page.getByTestId('preview-subject')
    await subject.waitFor()
    const before = await server.api('GET', '/templates/order-confirmation')
    const marker = `Preview check ${Date.now()}`

    // replace the subject in its CodeMirror editor: the preview follows (debounced)
    await page.getByTestId('code-subject').locator('.cm-content').click()
    await page.keyboard.press('Control+a')
    await page.keyboard.type(`${marker} {{order.externalId}}`)
    await expect.poll(() => subject.textContent(), { timeout: 5000 }).toMatch(new RegExp(`^${marker} \\S+`))

    // the body too: the iframe shows the rendered HTML
    const body = page.getByTestId('code-html-body').locator('.cm-content')
    await body.click()
    await page.keyboard.press('Control+a')
    await page.keyboard.type('<p>Hello from the e2e test</p>\n<p>{{#if order}}unclosed</p>')
    b.allow422()
    await page.getByTestId('template-errors').waitFor({ timeout: 5000 })

    // saving it is refused with where the problem is; the live version stays
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText(/Not saved/).waitFor()
    const errors = await page.getByTestId('template-errors').textContent()
    expect(errors).toMatch(/line \d+(, column \d+)?/)
    const live = await server.api('GET', '/templates/order-confirmation')
    expect(live.body).toMatchObject({ version: before.body.version, subject: before.body.subject })

    // fixed, it saves as a new version
    await body.click()
    await page.keyboard.press('Control+a')
    await page.keyboard.type('<p>Hello from the e2e test</p>')
    await expect.poll(() => page.getByTestId('template-errors').count(), { timeout: 5000 }).toBe(0)
    const frame = page.frameLocator('[data-testid="preview-frame"]')
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 5000 }).toContain('Hello from the e2e test')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText(/as version \d+/).waitFor()
    const saved = await server.api('GET', '/templates/order-confirmation')
    expect(saved.body.version).toBeGreaterThan(live.body.version)
    expect(saved.body.subject).toBe(`${marker} {{order.externalId}}`)
  })
})

// `ORDERFLOW_SCREENSHOT=1 npx vitest run test/e2e/screens.test.ts` refreshes the README picture
test.runIf(process.env.ORDERFLOW_SCREENSHOT)('captures the default flow for the README', async () => {
  const { page } = b
  await page.goto(`${server.url}/#/flows/default`)
  await page.reload() // a clean page: no toasts left from the tests above
  await page.locator('.svelte-flow__node').first().waitFor()
  await page.waitForTimeout(600)
  const file = new URL('../../editor/docs/canvas.png', import.meta.url)
  await page.screenshot({ path: file.pathname })
})
