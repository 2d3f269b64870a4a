import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { configureSmtp } from '../email/outbox.ts'
import { seedTemplates } from '../email/template-store.ts'
import { ApiError } from '../errors.ts'
import type { Env } from './guard.ts'
import { templateRoutes } from './templates.ts'
import type { Actor } from './tokens-store.ts'

const t = await createTestDb()
afterAll(() => t.close())

// the app's auth and error rendering in miniature: the role comes from a test header
const app = new Hono<Env>()
app.onError((e, c) =>
  e instanceof ApiError
    ? c.json({ error: { code: e.code, message: e.message, details: e.details } }, e.status)
    : c.json({ error: { code: 'internal', message: e.message } }, 500),
)
app.use('*', async (c, next) => {
  const role = c.req.header('x-role')
  if (role) c.set('actor', { name: `${role}-user`, role } as Actor)
  await next()
})
app.route('/api/templates', templateRoutes({ db: t.db }))

const call = (method: string, path: string, body?: unknown, role = 'merchant') =>
  app.request(`/api/templates${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-role': role },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

beforeAll(async () => {
  configureSmtp(undefined)
  await seedTemplates(t.db)
})

describe('templates API', () => {
  it('lists the live templates', async () => {
    const res = await call('GET', '', undefined, 'operations')
    expect(res.status).toBe(200)
    const { templates } = await res.json()
    expect(templates).toHaveLength(12)
    expect(templates[0]).toMatchObject({ key: 'backorder-notice', name: 'Backorder notice', version: 1 })
  })

  it('returns one template with the variables the editor offers', async () => {
    const res = await call('GET', '/shipped')
    const body = await res.json()
    expect(body).toMatchObject({
      key: 'shipped',
      version: 1,
      subject: 'Your order #{{order.externalId}} is on its way',
    })
    const paths = body.variables.map((v: { path: string }) => v.path)
    expect(paths).toEqual(
      expect.arrayContaining(['order.totals.total', 'lines[].sku', 'tracking.url', 'expectedDate']),
    )
    expect((await call('GET', '/nope')).status).toBe(404)
  })

  it('refuses a broken template with 422, field, line and column; the live version stays', async () => {
    const res = await call('PUT', '/delivered', {
      subject: 'Delivered {{order.externalId',
      html: '<p>{{{customer.name}}}</p>',
    })
    expect(res.status).toBe(422)
    const { error } = await res.json()
    expect(error.code).toBe('template_error')
    expect(error.details).toEqual([
      { field: 'subject', line: 1, column: 11, message: expect.stringMatching(/never closed/) },
      { field: 'html', line: 1, column: 4, message: expect.stringMatching(/unescaped/) },
    ])
    expect((await (await call('GET', '/delivered')).json()).version).toBe(1)
  })

  it('saves a new version and audits it', async () => {
    const res = await call('PUT', '/delivered', {
      subject: 'It is there, {{customer.firstName}}',
      html: '<p>Enjoy!</p>',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      version: 2,
      subject: 'It is there, {{customer.firstName}}',
      updatedBy: 'merchant-user',
    })
    const log = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('target', '=', 'template:delivered')
      .execute()
    expect(log).toMatchObject([{ actor: 'merchant-user', action: 'template.saved' }])
  })

  it('leaves saving to merchants and checks the body', async () => {
    expect((await call('PUT', '/delivered', { subject: 'x', html: 'y' }, 'operations')).status).toBe(403)
    const res = await call('PUT', '/delivered', { subject: 1 })
    expect(res.status).toBe(400)
    expect((await res.json()).error.details.map((d: { path: string }) => d.path)).toEqual(['subject', 'html'])
  })

  it('previews an unsaved edit on the sample order, and refuses bad ones', async () => {
    const res = await call(
      'POST',
      '/shipped/preview',
      { html: '<p>{{tracking.carrier}} for {{customer.name}}</p>' },
      'operations',
    )
    expect(res.status).toBe(200)
    const email = await res.json()
    expect(email.subject).toBe('Your order #NW-100234 is on its way')
    expect(email.html).toContain('<p>DHL for Ada Lovelace</p>')
    const bad = await call('POST', '/shipped/preview', { html: '{{#each lines}}' })
    expect(bad.status).toBe(422)
    expect((await call('POST', '/shipped/preview', { orderId: 999 })).status).toBe(404)
  })

  it('sends a test email to the outbox', async () => {
    const res = await call('POST', '/refund-issued/test', { to: 'anna@shop.example' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      to: 'anna@shop.example',
      template: 'refund-issued',
      orderId: null,
      status: 'stored',
      subject: 'Your refund of €29.00 is on its way',
    })
    expect((await call('POST', '/refund-issued/test', { to: 'not-an-email' })).status).toBe(400)
  })
})
