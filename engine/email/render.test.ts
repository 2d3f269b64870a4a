import { describe, expect, it } from 'vitest'
import { defaultTemplates } from './default-templates.ts'
import { compileTemplate, renderCompiled, renderTemplate, type TemplateSource } from './render.ts'
import { sampleOrder, templateData } from './template-data.ts'
import { TemplateError, type TemplateProblem } from './template-error.ts'
import { validateTemplate } from './template-store.ts'

const base: TemplateSource = {
  subject: 'Order {{order.externalId}}',
  html: '<p>Hi {{customer.name}}</p>',
  text: 'Hi',
}

function problemsOf(src: Partial<TemplateSource>, key = 'order-confirmation'): TemplateProblem[] {
  try {
    validateTemplate(key, { ...base, ...src })
  } catch (e) {
    if (e instanceof TemplateError) return e.problems
    throw e
  }
  throw new Error('expected the template to be refused')
}

describe('default templates', () => {
  it('lists the twelve keys', () => {
    expect(defaultTemplates().map((t) => t.key)).toHaveLength(12)
  })

  for (const t of defaultTemplates()) {
    it(`${t.key} renders in strict mode with the sample order`, () => {
      const email = renderTemplate(t, templateData(sampleOrder(), t.sampleExtra))
      expect(email.subject).toMatch(/\S/)
      expect(email.subject).not.toContain('\n')
      expect(email.html).toContain('<!DOCTYPE html>')
      expect(email.html).toContain('Northwind Goods')
      expect(email.text).toContain('NW-100234')
      expect(email.html + email.text).not.toMatch(/undefined|\[object Object\]|\{\{/)
    })
  }

  it('formats money, dates and plurals', () => {
    const t = defaultTemplates().find((x) => x.key === 'order-confirmation')!
    const email = renderTemplate(t, templateData(sampleOrder(), t.sampleExtra))
    expect(email.text).toContain('Total: €52.80')
    expect(email.text).toContain('2 × Stoneware mug, blue (€14.50): €29.00')
    expect(email.text).toContain('Wednesday, 12 March 2025')
    expect(email.text).toContain('YOUR ITEMS')
  })

  it('shipped refuses to render without tracking data and says where', () => {
    const t = defaultTemplates().find((x) => x.key === 'shipped')!
    expect(() => renderTemplate(t, templateData(sampleOrder()))).toThrow(TemplateError)
  })
})

describe('template checks', () => {
  it('reports a syntax error with its line and column', () => {
    const problems = problemsOf({ html: '<p>Hello</p>\n<p>{{customer.name}}}</p>' })
    expect(problems).toEqual([
      { field: 'html', line: 2, column: 19, message: expect.stringMatching(/syntax error/) },
    ])
  })

  it('points at a tag that is never closed, not where the parser gave up', () => {
    const problems = problemsOf({ html: '<p>Hello</p>\n<p>{{customer.name}</p>\n<p>more</p>' })
    expect(problems).toEqual([
      { field: 'html', line: 2, column: 4, message: expect.stringMatching(/never closed/) },
    ])
  })

  it('reports a block that is never closed', () => {
    const [p] = problemsOf({ text: 'a\n{{#if order.id}}\nb\n' })
    expect(p).toMatchObject({ field: 'text', line: 4, message: expect.stringMatching(/open block/) })
  })

  it('reports mismatched blocks with their position', () => {
    expect(problemsOf({ subject: '{{#if order.id}}x{{/each}}' })[0]).toMatchObject({
      field: 'subject',
      line: 1,
    })
  })

  it('refuses triple-stash and {{& }}', () => {
    const problems = problemsOf({ html: '<p>{{{customer.name}}}</p>\n{{& customer.email}}' })
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [1, 4],
      [2, 1],
    ])
    expect(problems[0]!.message).toMatch(/unescaped output/)
  })

  it('refuses unknown helpers, lookup, log and partials', () => {
    expect(problemsOf({ html: '{{shout customer.name}}' })[0]!.message).toMatch(
      /helper "shout" is not available/,
    )
    expect(problemsOf({ html: '{{lookup order "id"}}' })[0]!.message).toMatch(/"lookup" is not available/)
    expect(problemsOf({ html: '{{log "x"}}' })[0]!.message).toMatch(/"log" is not available/)
    expect(problemsOf({ html: '{{#raw}}x{{/raw}}' })[0]!.message).toMatch(/block helper "raw"/)
    expect(problemsOf({ html: '{{> layout}}' })[0]!.message).toMatch(/partials/)
  })

  it('reports a field missing from the data, with field and position', () => {
    // the position is that of the path inside the braces
    const [p] = problemsOf({ text: 'Hi\n  {{customer.nickname}}' })
    expect(p).toMatchObject({
      field: 'text',
      line: 2,
      column: 5,
      message: expect.stringMatching(/"nickname"/),
    })
  })

  it('lists problems of every field at once', () => {
    const problems = problemsOf({ subject: '{{{x}}}', html: '{{#if}}', text: '{{nope}}' })
    expect(problems.map((p) => p.field)).toEqual(['subject', 'html'])
  })

  it('refuses templates over 100 KB', () => {
    expect(problemsOf({ html: 'x'.repeat(101 * 1024) })[0]!.message).toMatch(/larger than 100 KB/)
  })

  it('refuses output over 1 MB', () => {
    const huge = {
      ...sampleOrder(),
      tags: Array.from({ length: 50 }, (_, i) => `tag-${i}-${'y'.repeat(90)}`),
    }
    const src = {
      ...base,
      html: `{{#each order.tags}}{{#each @root.order.tags}}${'z'.repeat(500)}{{/each}}{{/each}}`,
    }
    expect(() => renderTemplate(src, templateData(huge))).toThrow(/more than 1 MB/)
  })
})

describe('render limits', () => {
  it('stops runaway nested loops early', () => {
    const big = sampleOrder()
    big.lines = Array.from({ length: 500 }, (_, i) => ({
      lineNo: i + 1,
      sku: `S${i}`,
      name: 'x',
      quantity: 1,
      unitPrice: '1.00',
    }))
    const html = '{{#each lines}}{{#each @root.lines}}{{#each @root.lines}}.{{/each}}{{/each}}{{/each}}'
    const started = Date.now()
    expect(() => renderTemplate({ ...base, html }, templateData(big))).toThrow(
      /loops run more than 50000 times/,
    )
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('safety', () => {
  const attacks = [
    '{{constructor.constructor "return process"}}',
    '{{constructor.constructor}}',
    '{{__proto__}}',
    '{{order.__proto__.polluted}}',
    '{{#with "x"}}{{lookup this "constructor"}}{{/with}}',
    '{{#with "x"}}{{this.constructor.name}}{{/with}}',
    '{{#with order}}{{[constructor]}}{{/with}}',
    '{{#each order}}{{@key}}{{this.constructor}}{{/each}}',
    '{{#with (eq 1 1)}}{{valueOf}}{{/with}}',
  ]
  for (const html of attacks) {
    it(`refuses ${html} and leaves Object.prototype alone`, () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort()
      expect(problemsOf({ html }).length).toBeGreaterThan(0)
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
    })
  }

  it('the runtime itself denies inherited properties (second line of defence)', () => {
    // Array.prototype.map passes the save-time check; Handlebars must still refuse to resolve it
    const compiled = compileTemplate({
      ...base,
      html: '{{#if order.tags.map}}leak{{else}}safe{{/if}}|{{order.tags.map}}|',
    })
    const out = renderCompiled(compiled, templateData(sampleOrder()))
    expect(out.html).toContain('safe||')
    expect(out.html).not.toContain('leak')
  })

  it('escapes customer-provided strings in HTML, not in subject and text', () => {
    const order = sampleOrder()
    order.customer.name = '<script>alert(1)</script> & "Bob"'
    const src = {
      subject: 'For {{customer.name}}',
      html: '<p>{{customer.name}}</p>',
      text: 'For {{customer.name}}',
    }
    const email = renderTemplate(src, templateData(order))
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot;')
    expect(email.html).not.toContain('<script>alert')
    expect(email.subject).toBe('For <script>alert(1)</script> & "Bob"')
    expect(email.text).toBe('For <script>alert(1)</script> & "Bob"')
  })

  it('derives the text part from the HTML when text is empty', () => {
    const email = renderTemplate(
      { ...base, text: '', html: '<p>Hi {{customer.name}} &amp; co</p>' },
      templateData(sampleOrder()),
    )
    expect(email.text).toBe('Hi Ada Lovelace & co')
  })
})
