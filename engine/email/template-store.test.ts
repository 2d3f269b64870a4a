import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../../test/test-db.ts'
import { defaultTemplates } from './default-templates.ts'
import { sampleOrder, templateData } from './template-data.ts'
import { TemplateError } from './template-error.ts'
import { latestTemplate, listTemplates, renderLatest, saveTemplate, seedTemplates } from './template-store.ts'

const t = await createTestDb()
afterAll(() => t.close())

describe('template store', () => {
  beforeAll(async () => {
    expect(await seedTemplates(t.db)).toHaveLength(defaultTemplates().length)
  })

  it('seeding is idempotent and lists every template at version 1', async () => {
    expect(await seedTemplates(t.db)).toEqual([])
    const list = await listTemplates(t.db)
    expect(list.map((x) => x.key).sort()).toEqual(
      defaultTemplates()
        .map((x) => x.key)
        .sort(),
    )
    expect(list.every((x) => x.version === 1)).toBe(true)
  })

  it('saves a valid edit as the next version and renders it at once', async () => {
    const data = templateData(sampleOrder(), {
      tracking: { number: 'T1', url: 'https://t.example/T1', carrier: 'UPS' },
    })
    expect((await renderLatest(t.db, 'shipped', data))!.email.subject).toBe(
      'Your order #NW-100234 is on its way',
    )
    const saved = await saveTemplate(
      t.db,
      'shipped',
      { subject: 'Shipped with {{tracking.carrier}}!', html: '<p>{{tracking.number}}</p>' },
      'merchant-anna',
    )
    expect(saved).toMatchObject({
      key: 'shipped',
      version: 2,
      name: 'Order shipped',
      createdBy: 'merchant-anna',
    })
    const rendered = (await renderLatest(t.db, 'shipped', data))!
    expect(rendered.template.version).toBe(2)
    expect(rendered.email.subject).toBe('Shipped with UPS!')
    expect(rendered.email.text).toBe('T1')
    // seeding again leaves the merchant's version live
    await seedTemplates(t.db)
    expect((await latestTemplate(t.db, 'shipped'))!.version).toBe(2)
  })

  it('refuses a broken edit with line and column, and the previous version stays live', async () => {
    const before = (await latestTemplate(t.db, 'order-confirmation'))!
    const err = await saveTemplate(
      t.db,
      'order-confirmation',
      { subject: 'Thanks', html: '<h1>Thanks</h1>\n<p>{{#if customer.name}}Hi{{/if}</p>', text: '' },
      'merchant-anna',
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as TemplateError).problems).toEqual([
      { field: 'html', line: 2, column: 27, message: expect.stringMatching(/never closed/) },
    ])
    const after = (await latestTemplate(t.db, 'order-confirmation'))!
    expect(after.version).toBe(before.version)
    expect(after.html).toBe(before.html)
  })

  it('refuses an edit that does not render against the sample order', async () => {
    const err = await saveTemplate(
      t.db,
      'refund-issued',
      { subject: 'Refund', html: '<p>{{money refund.total}}</p>' },
      'merchant-anna',
    ).catch((e: unknown) => e)
    expect((err as TemplateError).problems[0]).toMatchObject({
      field: 'html',
      message: expect.stringMatching(/money/),
    })
    expect((await latestTemplate(t.db, 'refund-issued'))!.version).toBe(1)
  })

  it('accepts a new template key, validated with every default extra', async () => {
    const saved = await saveTemplate(
      t.db,
      'vip-thank-you',
      { subject: 'Thank you {{customer.firstName}}', html: '<p>{{tracking.carrier}}</p>', text: 'x' },
      'merchant-anna',
    )
    expect(saved).toMatchObject({ key: 'vip-thank-you', version: 1, name: 'vip-thank-you' })
  })
})
