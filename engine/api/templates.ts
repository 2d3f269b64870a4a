import { Hono } from 'hono'
import { z } from 'zod'
import { audit } from '../audit.ts'
import type { Db } from '../db.ts'
import { sampleExtraFor } from '../email/default-templates.ts'
import { queueEmail } from '../email/outbox.ts'
import { renderTemplate } from '../email/render.ts'
import { sampleOrder, templateData } from '../email/template-data.ts'
import { TemplateError } from '../email/template-error.ts'
import { latestTemplate, listTemplates, type StoredTemplate, saveTemplate } from '../email/template-store.ts'
import { templateVariables } from '../email/template-variables.ts'
import { ApiError, notFound } from '../errors.ts'
import { loadOrder } from '../orders/load-order.ts'
import { type Env, guard, readBody } from './guard.ts'

const saveBody = z.object({ subject: z.string(), html: z.string(), text: z.string().optional() })
const previewBody = z.object({
  /** render against this order; the sample order when absent */
  orderId: z.number().int().positive().optional(),
  subject: z.string().optional(),
  html: z.string().optional(),
  text: z.string().optional(),
})
const testBody = z.object({ to: z.email() })

/** Email templates: list, read, save a new version, preview an edit, send a test. */
export function templateRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()

  app.get(
    '/',
    guard({ summary: 'Email templates (live versions)', roles: ['merchant', 'operations'] }),
    async (c) => c.json({ templates: await listTemplates(db) }),
  )

  app.get(
    '/:key',
    guard({ summary: 'The live version of a template', roles: ['merchant', 'operations'] }),
    async (c) => c.json(present(await mustExist(db, c.req.param('key')))),
  )

  app.put(
    '/:key',
    guard({ summary: 'Save a new version', roles: ['merchant'], body: saveBody }),
    async (c) => {
      const key = templateKey(c.req.param('key'))
      const input = await readBody(c, saveBody)
      const actor = c.get('actor').name
      const saved = await orTemplateError(
        () =>
          db.transaction().execute(async (tx) => {
            const t = await saveTemplate(tx, key, input, actor)
            await audit(tx, actor, 'template.saved', `template:${key}`, { version: t.version })
            return t
          }),
        true,
      )
      return c.json(present(saved))
    },
  )

  app.post(
    '/:key/preview',
    guard({
      summary: 'Render the live version, or an unsaved edit',
      roles: ['merchant', 'operations'],
      body: previewBody,
    }),
    async (c) => {
      const key = c.req.param('key')
      const input = await readBody(c, previewBody)
      const live = await latestTemplate(db, key)
      const subject = input.subject ?? live?.subject
      const html = input.html ?? live?.html
      if (subject === undefined || html === undefined) throw notFound('Template', key)
      const order = input.orderId === undefined ? sampleOrder() : await loadOrder(db, input.orderId)
      if (!order) throw notFound('Order', input.orderId ?? '')
      const src = { subject, html, text: input.text ?? live?.text ?? '' }
      const edited = input.subject !== undefined || input.html !== undefined || input.text !== undefined
      // an unsaved edit is rendered without the cache: only stored versions are immutable
      const email = await orTemplateError(async () =>
        renderTemplate(edited || !live ? src : live, templateData(order, sampleExtraFor(key))),
      )
      return c.json(email)
    },
  )

  app.post(
    '/:key/test',
    guard({ summary: 'Send the live version to an address', roles: ['merchant'], body: testBody }),
    async (c) => {
      const template = await mustExist(db, c.req.param('key'))
      const { to } = await readBody(c, testBody)
      const order = sampleOrder()
      const { email } = await db.transaction().execute((tx) =>
        queueEmail(tx, {
          // every test is a new email: a unique key, never de-duplicated
          key: `test:${template.key}:${crypto.randomUUID()}`,
          template: template.key,
          order,
          orderId: null,
          to,
          extra: sampleExtraFor(template.key),
        }),
      )
      return c.json(email, 201)
    },
  )

  return app
}

function present(t: StoredTemplate) {
  return {
    key: t.key,
    name: t.name,
    version: t.version,
    subject: t.subject,
    html: t.html,
    text: t.text,
    updatedBy: t.createdBy,
    updatedAt: t.createdAt,
    variables: templateVariables(sampleExtraFor(t.key)),
  }
}

async function mustExist(db: Db, key: string): Promise<StoredTemplate> {
  const t = await latestTemplate(db, key)
  if (!t) throw notFound('Template', key)
  return t
}

function templateKey(key: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(key)) {
    throw new ApiError(
      400,
      'invalid_key',
      `"${key}" is not a template key: use lowercase letters, digits and dashes, e.g. "vip-welcome".`,
    )
  }
  return key
}

/** A template that does not compile or render is the caller's to fix: 422 with every problem. */
async function orTemplateError<T>(fn: () => Promise<T>, saving = false): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e
    const n = e.problems.length
    throw new ApiError(
      422,
      'template_error',
      `The template has ${n} problem${n === 1 ? '' : 's'}${saving ? '; nothing was saved and the live version is unchanged' : ''}.`,
      e.problems,
    )
  }
}
