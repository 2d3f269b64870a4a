import { afterAll, afterEach, beforeEach, expect } from 'vitest'
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Builds the editor once when editor/dist is missing (the server serves it from there). */
export function ensureEditorBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'editor', 'dist', 'index.html'))) return
  execSync('npm run build:editor', { cwd: ROOT, stdio: 'inherit' })
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** console errors and uncaught exceptions seen so far (expected 422 answers excluded) */
  errors: string[]
  /** The test provokes 422 answers on purpose (the browser logs each as a console error). */
  allow422(): void
  /** Takes the errors seen so far and ends any `allow422` (call after each test). */
  takeErrors(): string[]
  close(): Promise<void>
}

/**
 * Debian's headless Chromium with a fresh profile, at 1280x800. Console errors are collected so
 * each test can fail on them; the 422s a test provokes on purpose are announced with `expect422`.
 */
export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (never \`npx playwright install\`).`)
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  let allowed422 = false
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // the browser logs every 4xx answer; a test that provokes a 422 says so beforehand
    if (allowed422 && /status of 422/.test(m.text())) return
    errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`))
  return {
    context,
    page,
    errors,
    allow422() {
      allowed422 = true
    },
    takeErrors() {
      allowed422 = false
      return errors.splice(0)
    },
    async close() {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot under test-results/ (called when a test fails). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ROOT, 'test-results')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name.replace(/[^a-zA-Z0-9-]+/g, '-').slice(0, 80)}.png`)
  await page.screenshot({ path: file, fullPage: true }).catch(() => {})
  return file
}

/** An element's box once it has stopped moving (two reads 100 ms apart agree): layout, fit-view
 * animations and nodes growing with a new problem message all move handles under a waiting drag. */
async function settledBox(page: Page, selector: string) {
  let last = await page.locator(selector).boundingBox()
  for (let i = 0; i < 50; i++) {
    await page.waitForTimeout(100)
    const box = await page.locator(selector).boundingBox()
    if (box && last && box.x === last.x && box.y === last.y && box.width === last.width && box.height === last.height) return box
    last = box
  }
  throw new Error(`cannot drag: ${selector} ${last ? 'kept moving for 5 s' : 'is not on screen'}`)
}

/** Drags from one element's centre to another's with real mouse moves (Svelte Flow listens to pointer events). */
export async function dragBetween(page: Page, from: string, to: string): Promise<void> {
  const a = await settledBox(page, from)
  await settledBox(page, to)
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move(a.x + a.width / 2 + 20, a.y + a.height / 2 + 5, { steps: 4 })
  // the target is read again at the last moment: it must be where the pointer lands
  const b = await page.locator(to).boundingBox()
  if (!b) throw new Error(`cannot drag: ${to} is not on screen`)
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 })
  await page.mouse.up()
}

/**
 * The hooks every browser test file shares: close the browser and server after the file, save a
 * screenshot named `<prefix>-<test>` when a test fails, and fail a test that logged console errors.
 */
export function browserTestHooks(prefix: string, current: () => { browser?: Browser; server?: { close(): Promise<void> } }) {
  afterAll(async () => {
    const { browser, server } = current()
    await browser?.close()
    await server?.close()
  })
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const { browser } = current()
      if (browser) await screenshot(browser.page, `${prefix}-${task.name}`)
    })
  })
  afterEach(() => {
    const errors = current().browser?.takeErrors() ?? []
    expect(errors, 'console errors in the browser').toEqual([])
  })
}
