import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../engine/api/app.ts'
import { signBody } from '../engine/channels/verify-signature.ts'
import { openDb } from '../engine/db.ts'
import { renderTemplate } from '../engine/email/render.ts'
import { sampleOrder as sampleEmailOrder, templateData } from '../engine/email/template-data.ts'
import { createHarness, type Harness, sampleOrder } from './harness.ts'

let h: Harness
let merchant: string

beforeAll(async () => {
  h = await createHarness()
  merchant = await h.tokenFor('merchant')
})
afterAll(async () => h?.close())

const log = pino({ level: 'silent' })

describe('HTTP hardening', () => {
  it('refuses a body over the limit with a 413 JSON error', async () => {
    const app = createApp({ db: h.db, log, maxBodyBytes: 2048 })
    const res = await app.request('/api/orders', {
      method: 'POST',
      headers: { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...sampleOrder(), padding: 'x'.repeat(4096) }),
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large' } })
  })

  it('over real HTTP: refuses a declared or a chunked body over the limit, takes one under it', async () => {
    const app = createApp({ db: h.db, log, maxBodyBytes: 2048 })
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as AddressInfo).port
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; body: { error?: { code: string } } }>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/api/orders',
          method: 'POST',
          headers: {
            Authorization: `Bearer ${h.adminToken}`,
            'Content-Type': 'application/json',
            ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': Buffer.byteLength(body) }),
          },
        })
        req.on('response', (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
        })
        req.on('error', reject)
        // a chunked body arrives in pieces: the limit has to count them
        if (chunked) for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500))
        req.end(chunked ? undefined : body)
      })
    try {
      const big = JSON.stringify({ ...sampleOrder(), padding: 'x'.repeat(4096) })
      expect(await post(big, false)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } })
      expect(await post(big, true)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } })
      expect((await post(JSON.stringify(sampleOrder()), false)).status).toBe(201)
      expect((await post(JSON.stringify(sampleOrder()), true)).status).toBe(201)
    } finally {
      await new Promise((r) => server.close(r))
    }
  })

  it('limits intake per token and per channel: 429 JSON with Retry-After', async () => {
    const app = createApp({ db: h.db, log, intakeRateLimit: { points: 3, durationSeconds: 60 } })
    const channelToken = await h.tokenFor('channel')
    const other = (await h.api('POST', '/api/tokens', { name: 'second channel', role: 'channel' })).body.token
    const postOrder = (token: string) =>
      app.request('/api/orders', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(sampleOrder()),
      })
    for (let i = 0; i < 3; i++) expect((await postOrder(channelToken)).status).toBe(201)
    const limited = await postOrder(channelToken)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers.get('Retry-After'))).toBeLessThanOrEqual(60)
    expect(await limited.json()).toMatchObject({
      error: { code: 'rate_limited', details: { limit: 3, windowSeconds: 60 } },
    })
    // keyed by token: another caller is not affected, and reads are never limited
    expect((await postOrder(other)).status).toBe(201)
    const read = await app.request('/api/orders', { headers: { Authorization: `Bearer ${h.adminToken}` } })
    expect(read.status).toBe(200)

    // webhooks: keyed by channel (they carry no token)
    const channel = (
      await h.api('POST', '/api/channels', {
        type: 'shopify',
        name: 'rate-limited',
        secret: 'rate-limit-secret',
      })
    ).body
    const hook = () => {
      const body = '{"id": 1}'
      return app.request(channel.webhookPath, {
        method: 'POST',
        headers: {
          'X-Shopify-Topic': 'shop/update',
          'X-Shopify-Hmac-Sha256': signBody('rate-limit-secret', body),
          'X-Shopify-Event-Id': crypto.randomUUID(),
        },
        body,
      })
    }
    for (let i = 0; i < 3; i++) expect((await hook()).status).toBe(200)
    expect((await hook()).status).toBe(429)
  })

  it('answers every error as JSON and never with a stack trace', async () => {
    const cases = [
      await h.api('GET', '/api/nope'),
      await h.api('POST', '/api/orders', '{"broken": '),
      await h.api('POST', '/api/orders', { lines: 'x' }),
      await h.api('GET', '/api/orders/not-a-number'),
      await h.api('GET', '/api/orders/999999'),
      await h.api('GET', '/api/flows', undefined, 'of_forged'),
    ]
    expect(cases.map((c) => c.status)).toEqual([404, 400, 400, 400, 404, 401])
    for (const c of cases) {
      expect(c.body.error.code).toMatch(/^[a-z_]+$/)
      expect(typeof c.body.error.message).toBe('string')
    }
    // an internal failure (the database is unreachable) is a 500 with a generic message
    const dead = openDb('postgres://nobody:wrong@127.0.0.1:1/none', { max: 1 })
    try {
      const app = createApp({ db: dead.db, log })
      const res = await app.request('/api/health')
      expect(res.status).toBe(503)
      const flows = await createApp({ db: dead.db, log }).request('/api/flows', {
        headers: { Authorization: 'Bearer of_x' },
      })
      expect(flows.status).toBe(500)
      const text = await flows.text()
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: expect.any(String) } })
      expect(text).not.toMatch(/ECONNREFUSED|\bat \w|\.ts:\d|node_modules/)
    } finally {
      await dead.close()
    }
  })

  it('sends security headers with the editor and the API', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-editor-'))
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>editor</title>')
    const app = createApp({ db: h.db, log, editorDir: dir })
    // error answers too: a 404, a 400 and a 401 come from the error handler
    for (const url of ['/', '/flows/default', '/api/health', '/api/nothing', '/api/orders/abc', '/api/flows']) {
      const res = await app.request(url)
      const csp = res.headers.get('Content-Security-Policy') ?? ''
      expect(csp, url).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("object-src 'none'")
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(res.headers.get('X-Frame-Options')).toBe('SAMEORIGIN')
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
      expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/)
    }
    expect((await app.request('/api/health')).headers.get('Cache-Control')).toBe('no-store')
    expect((await app.request('/api/nothing')).headers.get('Cache-Control')).toBe('no-store')
  })

  it('stores tokens hashed; only admins create and revoke them', async () => {
    const ops = await h.tokenFor('operations')
    expect((await h.api('POST', '/api/tokens', { name: 'x', role: 'admin' }, ops)).status).toBe(403)
    const created = await h.api('POST', '/api/tokens', { name: 'bot', role: 'analyst' })
    const rows = await h.db.selectFrom('api_tokens').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain(created.body.token)
    expect(rows.find((r) => r.id === created.body.id)!.token_hash).toBe(
      crypto.createHash('sha256').update(created.body.token).digest('hex'),
    )
    expect(
      (await h.api('GET', '/api/tokens')).body.tokens.every(
        (t: any) => !('token' in t) && !('token_hash' in t),
      ),
    ).toBe(true)
  })

  it('a JSON body with __proto__ pollutes nothing', async () => {
    const body = `{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted2": "yes"}}, ${JSON.stringify(sampleOrder()).slice(1)}`
    const res = await h.api('POST', '/api/orders', body)
    expect(res.status).toBe(201)
    expect(({} as any).polluted).toBeUndefined()
    expect(({} as any).polluted2).toBeUndefined()
  })
})

describe('audit log', () => {
  it('records who changed what and when, readable by admins only', async () => {
    const since = new Date(Date.now() - 1000).toISOString()
    await h.api('PUT', '/api/flows/default', { graph: (await h.api('GET', '/api/flows/default')).body.graph })
    await h.api('POST', '/api/flows/default/publish', { note: 'audit test' })
    const tpl = (await h.api('GET', '/api/templates/order-confirmation')).body
    expect(
      (
        await h.api(
          'PUT',
          '/api/templates/order-confirmation',
          { subject: tpl.subject, html: tpl.html, text: tpl.text },
          merchant,
        )
      ).status,
    ).toBe(200)
    const token = (await h.api('POST', '/api/tokens', { name: 'audited', role: 'warehouse' })).body
    await h.api('DELETE', `/api/tokens/${token.id}`)
    const order = (await h.api('POST', '/api/orders', sampleOrder())).body
    await h.api('POST', `/api/orders/${order.id}/cancel`, { reason: 'customer asked' })
    const channel = (
      await h.api('POST', '/api/channels', {
        type: 'woocommerce',
        name: 'audited-shop',
        secret: 'audited-secret',
      })
    ).body
    await h.api('DELETE', `/api/channels/${channel.id}`)

    const res = await h.api('GET', `/api/audit?since=${encodeURIComponent(since)}&limit=500`)
    expect(res.status).toBe(200)
    const actions = res.body.entries.map((e: any) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'flow.saved',
        'flow.published',
        'template.saved',
        'token.created',
        'token.revoked',
        'order.cancelled',
        'channel.created',
        'channel.deleted',
      ]),
    )
    const cancelled = res.body.entries.find((e: any) => e.action === 'order.cancelled')
    expect(cancelled).toMatchObject({
      actor: 'test admin',
      target: `order:${order.id}`,
      details: { reason: 'customer asked' },
    })
    expect(new Date(cancelled.at).getTime()).toBeGreaterThan(Date.parse(since))
    expect(res.body.entries.find((e: any) => e.action === 'template.saved').actor).toBe('test merchant')
    // filters and paging
    const tokensOnly = await h.api('GET', '/api/audit?action=token.')
    expect(tokensOnly.body.entries.every((e: any) => e.action.startsWith('token.'))).toBe(true)
    const page = await h.api('GET', '/api/audit?limit=2')
    const next = await h.api('GET', `/api/audit?limit=2&before=${page.body.nextBefore}`)
    expect(next.body.entries[0].id).toBeLessThan(page.body.entries[1].id + 1)
    expect((await h.api('GET', '/api/audit', undefined, await h.tokenFor('operations'))).status).toBe(403)
  })
})

/**
 * Known Handlebars attacks (prototype access, the 2019 `constructor` RCE chain, dynamic partials,
 * decorators, raw blocks, helperMissing tricks, triple-stash) against the save and preview API:
 * each is refused or renders harmless, and neither the process nor the prototypes change.
 */
const marker = path.join(os.tmpdir(), `orderflow-pwned-${process.pid}`)
const RCE = `require('child_process').execSync('touch ${marker}')`
const ATTACKS = [
  `{{#with "s" as |string|}}{{#with "e"}}{{#with split as |conslist|}}{{this.pop}}{{this.push (lookup string.sub "constructor")}}{{this.pop}}{{#with string.split as |codelist|}}{{this.pop}}{{this.push "return process.mainModule.${RCE};"}}{{this.pop}}{{#each conslist}}{{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}{{/each}}{{/with}}{{/with}}{{/with}}{{/with}}`,
  `{{#with this as |o|}}{{#with (o.constructor.constructor "return process.mainModule.${RCE}") as |f|}}{{f}}{{/with}}{{/with}}`,
  '{{constructor.constructor "return this"}}',
  '{{this.constructor.prototype.polluted}}',
  '{{#with order.__proto__ as |p|}}{{p}}{{/with}}',
  '{{[__proto__].polluted}}',
  '{{order.[constructor].[prototype]}}',
  '{{@root.constructor.name}}',
  '{{#each order}}{{../constructor}}{{/each}}',
  '{{lookup (lookup this "constructor") "constructor"}}',
  '{{__lookupGetter__ "__proto__"}}',
  '{{__defineGetter__ "x" "y"}}',
  '{{#blockHelperMissing "constructor"}}x{{/blockHelperMissing}}',
  '{{helperMissing "x"}}',
  '{{> (lookup . "constructor")}}',
  '{{> layout}}',
  '{{#*inline "p"}}x{{/inline}}',
  '{{{{raw}}}}{{constructor}}{{{{/raw}}}}',
  '{{{customer.name}}}',
  '{{& customer.name}}',
  '{{log "leak" order}}',
  '{{#if order.lines.constructor}}x{{/if}}',
  '{{order.lines.map}}',
  '{{hasOwnProperty "x"}}',
  '{{#each (order.tags.concat order.tags)}}{{this}}{{/each}}',
]

function snapshot() {
  return {
    object: Object.getOwnPropertyNames(Object.prototype).sort().join(),
    array: Object.getOwnPropertyNames(Array.prototype).sort().join(),
    fn: Object.getOwnPropertyNames(Function.prototype).sort().join(),
    string: Object.getOwnPropertyNames(String.prototype).sort().join(),
    globals: Object.getOwnPropertyNames(globalThis).sort().join(),
    env: Object.keys(process.env).sort().join(),
    toString: Object.prototype.toString,
  }
}

describe('merchant template attacks', () => {
  it('every attack is refused at save and in preview; nothing changes in the process', async () => {
    const before = snapshot()
    const accepted: string[] = []
    for (const html of ATTACKS) {
      const saved = await h.api(
        'PUT',
        '/api/templates/order-confirmation',
        { subject: 'Hi', html, text: 'x' },
        merchant,
      )
      const preview = await h.api(
        'POST',
        '/api/templates/order-confirmation/preview',
        { subject: 'Hi', html },
        merchant,
      )
      if (saved.status !== 422) accepted.push(`save ${saved.status}: ${html}`)
      if (preview.status === 200 && /function|\[native code\]|process|require|pwned/i.test(preview.body.html))
        accepted.push(`preview leaked: ${html}`)
      if (preview.status >= 500 || saved.status >= 500) accepted.push(`5xx: ${html}`)
    }
    expect(accepted).toEqual([])
    expect(snapshot()).toEqual(before)
    expect(({} as any).polluted).toBeUndefined()
    expect(fs.existsSync(marker)).toBe(false)
    // the live version is still the one before the attacks
    const live = (await h.api('GET', '/api/templates/order-confirmation', undefined, merchant)).body
    expect(ATTACKS).not.toContain(live.html)
  })

  it('runaway templates are stopped in bounded time and size', async () => {
    const html =
      '{{#each lines}}{{#each @root.lines}}{{#each @root.lines}}{{#each @root.lines}}{{#each @root.lines}}x{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}'
    const big = sampleOrder({
      lines: Array.from({ length: 200 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPrice: '1.00' })),
    })
    const order = (await h.api('POST', '/api/orders', big)).body
    const started = Date.now()
    const res = await h.api(
      'POST',
      '/api/templates/order-confirmation/preview',
      { orderId: order.id, html },
      merchant,
    )
    expect(res.status).toBe(422)
    expect(Date.now() - started).toBeLessThan(3000)
    const huge = await h.api(
      'PUT',
      '/api/templates/order-confirmation',
      { subject: 'x', html: 'y'.repeat(200 * 1024) },
      merchant,
    )
    expect(huge.status).toBe(422)
  })

  it('rendered HTML is sanitised: no script, event handler or javascript: link survives', () => {
    const order = sampleEmailOrder()
    order.customer.name = 'javascript:alert(document.cookie)'
    const html = [
      '<p>Hello</p>',
      '<script>alert(1)</script>',
      '<img src="https://shop.example/logo.png" onerror="alert(1)" alt="logo">',
      '<a href="javascript:alert(1)">js</a>',
      '<a href="JaVaScRiPt&#58;alert(1)">entity</a>',
      '<a href=" &#14;javascript:alert(1)">control char</a>',
      '<a href="{{customer.name}}">data-driven link</a>',
      '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
      '<a href="vbscript:msgbox(1)">vb</a>',
      '<div onclick="alert(1)" onmouseover="alert(2)" style="color: red">styled</div>',
      '<div style="background: url(javascript:alert(1))">css</div>',
      '<div style="width: expression(alert(1))">ie</div>',
      '<div style="width: e\\78 pression(alert(1))">escaped</div>',
      '<div style="width: expr/**/ession(alert(1))">commented</div>',
      '<div style="background: url(java\\script:alert(1))">escaped url</div>',
      '<svg><script>alert(1)</script></svg><svg onload="alert(1)"></svg>',
      '<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">',
      '<form action="https://evil.example"><input name="card"></form>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
      '<a href="https://shop.example/track" target="_blank">safe link</a>',
      '<table role="presentation" width="100%" cellpadding="0"><tr><td class="num" style="padding: 4px">1</td></tr></table>',
    ].join('\n')
    const email = renderTemplate({ subject: 'x', html, text: '' }, templateData(order))
    const out = email.html
    expect(out).not.toMatch(
      /<script|onerror|onclick|onmouseover|onload|javascript:|vbscript:|data:text|expression\(|<iframe|<object|<embed|<form|<input/i,
    )
    expect(out).toContain('<a href="https://shop.example/track" target="_blank">safe link</a>')
    // a harmless style stays as written
    expect(out).toContain('<td class="num" style="padding: 4px">1</td>')
    expect(out).toContain('<div style="color: red">styled</div>')
    // CSS escapes and comments do not hide an expression or a script URL: the style goes
    expect(out).toContain('<div>escaped</div>')
    expect(out).toContain('<div>commented</div>')
    expect(out).toContain('<div>escaped url</div>')
    expect(out).toContain('<!DOCTYPE html>') // the layout is ours and stays whole
    // a merchant's whole document is sanitised the same way
    const doc = renderTemplate(
      {
        subject: 'x',
        html: '<!DOCTYPE html><html><head><style>p{color:red}</style></head><body onload="x()"><p>hi</p><script>1</script></body></html>',
        text: '',
      },
      templateData(order),
    )
    expect(doc.html).toMatch(/^<!DOCTYPE html>/)
    expect(doc.html).toContain('<style>p{color:red}</style>')
    expect(doc.html).not.toMatch(/<script|onload/)
  })
})
