import { beforeAll, describe, expect, test } from 'vitest'
import { type Browser, browserTestHooks, dragBetween, launch } from './browser.ts'
import { type E2EServer, startServer } from './server.ts'

// one server and one browser for the file: the tests build on each other like a person would
let server: E2EServer
let b: Browser
let flowId = ''

const handle = (node: string, port: string) => `[data-testid="node-${node}"] .svelte-flow__handle[data-handleid="${port}"]`

beforeAll(async () => {
  server = await startServer()
  b = await launch()
}, 120_000)

browserTestHooks('canvas', () => ({ browser: b, server }))

/** Zoom to fit (Shift+F) with the canvas focused, so every handle is on screen. */
async function fitView() {
  await b.page.locator('.svelte-flow__pane').click({ position: { x: 10, y: 10 } })
  await b.page.keyboard.press('Shift+F')
  await b.page.waitForTimeout(400)
}

describe('flow editor', () => {
  test('signs in through the login link, which then leaves the address bar', async () => {
    const { page } = b
    await page.goto(`${server.url}/?token=${server.adminToken}`)
    await page.getByTestId('who').waitFor()
    expect(page.url()).not.toContain('token=')
    expect(await page.evaluate(() => localStorage.getItem('orderflow.token'))).toBe(server.adminToken)
    // admins land on the default flow's canvas
    await page.waitForURL(/#\/flows\/[^/]+$/)
    await page.locator('.svelte-flow__node').first().waitFor()
  })

  test('builds a flow by dragging nodes from the palette and connecting ports', async () => {
    const { page } = b
    await page.goto(`${server.url}/#/flows`)
    await page.getByRole('button', { name: '+ New flow' }).click()
    await page.getByPlaceholder('e.g. Wholesale orders').fill(`E2E flow ${Date.now()}`)
    await page.getByRole('button', { name: 'Create' }).click()
    await page.waitForURL(/#\/flows\/[^/]+$/)
    flowId = decodeURIComponent(page.url().split('#/flows/')[1]!)
    await page.getByTestId('node-receive-1').waitFor()

    const pane = page.locator('.svelte-flow__pane')
    await page.getByTestId('palette-send-email').dragTo(pane, { targetPosition: { x: 520, y: 140 } })
    await page.getByTestId('palette-end').dragTo(pane, { targetPosition: { x: 520, y: 420 } })
    await page.getByTestId('node-send-email-1').waitFor()
    await page.getByTestId('node-end-1').waitFor()
    // auto-layout spreads the new nodes apart (Shift+L, with the canvas focused)
    await page.locator('.svelte-flow__pane').click({ position: { x: 10, y: 10 } })
    await page.keyboard.press('Shift+L')
    await page.waitForTimeout(500)

    await dragBetween(page, handle('receive-1', 'next'), handle('send-email-1', 'in'))
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(1)

    // refused while dragging: a node into itself, and a second identical edge
    await dragBetween(page, handle('send-email-1', 'sent'), handle('send-email-1', 'in'))
    await dragBetween(page, handle('receive-1', 'next'), handle('send-email-1', 'in'))
    expect(await page.locator('.svelte-flow__edge').count()).toBe(1)

    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All changes saved')
    const saved = await server.api('GET', `/flows/${encodeURIComponent(flowId)}`)
    expect(saved.body.graph.edges).toMatchObject([{ source: 'receive-1', sourceHandle: 'next', target: 'send-email-1' }])
    expect(saved.body.graph.nodes.map((n: { type: string }) => n.type).sort()).toEqual(['end', 'receive', 'send-email'])
  })

  test('undo and redo a change', async () => {
    const { page } = b
    await fitView()
    await page.getByTestId('node-end-1').click()
    await page.keyboard.press('Delete')
    await expect.poll(() => page.getByTestId('node-end-1').count()).toBe(0)
    await page.keyboard.press('Control+z')
    await page.getByTestId('node-end-1').waitFor()
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => page.getByTestId('node-end-1').count()).toBe(0)
    await page.keyboard.press('Control+z')
    await page.getByTestId('node-end-1').waitFor()
  })

  test('shows a validation error on a node, then the fix through the form clears it and the flow publishes', async () => {
    const { page } = b
    await page.getByRole('button', { name: /Validate/ }).click()
    // the email node has no template yet: the server says so, on the node and in the list
    const problem = page.getByTestId('node-send-email-1').getByTestId('node-problem')
    await problem.waitFor()
    expect(await problem.textContent()).toContain('template')
    const list = page.getByTestId('problems')
    await list.getByRole('button', { name: /send-email-1/ }).first().click()
    const inspector = page.getByTestId('inspector')
    await expect.poll(() => inspector.locator('h2').textContent()).toBe('Send email')

    // configure the node through the form generated from its schema
    await inspector.getByLabel(/^Template/).fill('order-confirmation')
    await inspector.getByLabel(/^To/).fill('not-an-email')
    await inspector.getByText('Not an email address').waitFor()
    await inspector.getByLabel(/^To/).fill('')
    // the save and the live validation after it resize the nodes: drag once they are done
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All changes saved')
    await fitView()
    await dragBetween(page, handle('send-email-1', 'sent'), handle('end-1', 'in'))
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(2)
    // live validation after each save: the problem goes away on its own
    await expect.poll(() => problem.count(), { timeout: 10_000 }).toBe(0)
    expect(await page.getByTestId('node-send-email-1').textContent()).toContain('order-confirmation')

    await page.getByRole('button', { name: 'Publish' }).click()
    await page.getByPlaceholder(/What changed/).fill('first version from the browser')
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click()
    await page.getByText('Published version 1').waitFor()
    const versions = await server.api('GET', `/flows/${encodeURIComponent(flowId)}/versions`)
    expect(versions.body.versions).toMatchObject([{ version: 1, note: 'first version from the browser' }])
  })

  test('publishing a broken draft shows the server problems instead', async () => {
    const { page } = b
    await page.getByTestId('palette-wait').dragTo(page.locator('.svelte-flow__pane'), { targetPosition: { x: 300, y: 500 } })
    await page.getByTestId('node-wait-1').waitFor()
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All changes saved')
    b.allow422()
    await page.getByRole('button', { name: 'Publish' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click()
    await page.getByText(/Not published/).waitFor()
    await page.getByTestId('node-wait-1').getByTestId('node-problem').waitFor()
  })

  test('opens a published version read-only from the history', async () => {
    const { page } = b
    await page.getByRole('button', { name: 'History' }).click()
    await page.getByTestId('versions').getByRole('link', { name: /v1/ }).click()
    await page.waitForURL(/versions\/1$/)
    await page.getByText('Version 1 · read-only').waitFor()
    expect(await page.getByTestId('node-wait-1').count()).toBe(0)
    await page.getByTestId('node-send-email-1').click()
    expect(await page.getByTestId('inspector').getByLabel(/^Template/).isDisabled()).toBe(true)
  })
})
