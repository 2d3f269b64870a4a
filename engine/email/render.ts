import Handlebars from 'handlebars'
import { checkTemplate } from './check-template.ts'
import { layoutSource } from './default-templates.ts'
import { emailHelpers } from './helpers.ts'
import { htmlToText } from './html-to-text.ts'
import { sanitizeEmailHtml } from './sanitize-html.ts'
import {
  problemFromError,
  TemplateError,
  type TemplateField,
  type TemplateProblem,
} from './template-error.ts'

export interface TemplateSource {
  subject: string
  html: string
  /** plain-text part; when empty it is derived from the rendered HTML */
  text: string
}
export type RenderedEmail = TemplateSource
type Compiled = Record<TemplateField, Handlebars.TemplateDelegate>

/** Largest template field accepted at save. */
export const MAX_TEMPLATE_BYTES = 100 * 1024
/** Largest rendered email (all parts together); beyond it rendering fails. */
export const MAX_OUTPUT_BYTES = 1024 * 1024
const FIELDS: TemplateField[] = ['subject', 'html', 'text']

// A private environment: nothing registered globally by other code can reach merchant templates.
const hb = Handlebars.create()
hb.registerHelper(emailHelpers)
// lookup reads arbitrary properties and log writes to our logs: neither belongs in an email
hb.unregisterHelper('lookup')
hb.unregisterHelper('log')

/** Most loop iterations ({{#each}} bodies, nested ones included) one render may run. */
export const MAX_ITERATIONS = 50_000

// Loops are the only way a small template produces a huge amount of work (nested #each over a
// 500-line order), so #each counts iterations and output and stops early, before the final size check.
let budget = { iterations: 0, bytes: 0 }
const builtinEach = hb.helpers.each as (
  this: unknown,
  context: unknown,
  options: Handlebars.HelperOptions,
) => string
hb.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
  const body = options.fn
  const counted = (item: unknown, opts?: Handlebars.RuntimeOptions) => {
    if (++budget.iterations > MAX_ITERATIONS) throw new Error(`loops run more than ${MAX_ITERATIONS} times`)
    const out = body(item, opts)
    budget.bytes += out.length
    if (budget.bytes > MAX_OUTPUT_BYTES) throw new Error('renders to more than 1 MB')
    return out
  }
  return builtinEach.call(this, context, { ...options, fn: counted as Handlebars.TemplateDelegate })
})

const knownHelpers = {
  ...Object.fromEntries(Object.keys(emailHelpers).map((h) => [h, true])),
  lookup: false,
  log: false,
}
const runtime: Handlebars.RuntimeOptions = {
  // the Handlebars defaults, stated so that nobody flips them by accident
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
}

/** Checks and compiles all three parts; throws one TemplateError listing every problem. */
export function compileTemplate(src: TemplateSource): Compiled {
  const problems: TemplateProblem[] = []
  const compiled: Partial<Compiled> = {}
  for (const field of FIELDS) {
    const source = src[field]
    if (Buffer.byteLength(source) > MAX_TEMPLATE_BYTES) {
      problems.push({
        field,
        line: null,
        column: null,
        message: `is larger than ${MAX_TEMPLATE_BYTES / 1024} KB`,
      })
      continue
    }
    const checked = checkTemplate(hb, field, source)
    problems.push(...checked.problems)
    if (!checked.ast) continue
    // subject and text are not HTML: escaping them would put "&amp;" into the customer's inbox
    compiled[field] = hb.compile(checked.ast, {
      strict: true,
      knownHelpersOnly: true,
      knownHelpers,
      noEscape: field !== 'html',
      preventIndent: true,
    })
  }
  if (problems.length) throw new TemplateError(problems)
  return compiled as Compiled
}

/** Renders compiled parts against data in strict mode and wraps the HTML in the shop layout. */
export function renderCompiled(compiled: Compiled, data: Record<string, unknown>): RenderedEmail {
  const parts = renderParts(compiled, data)
  return finishEmail(parts, sanitizeEmailHtml(parts.html, { document: parts.wholeDocument }), data)
}

/** The same, with the HTML sanitised by `sanitize` (e.g. on another thread: see sanitize-pool.ts). */
export async function renderCompiledWith(
  compiled: Compiled,
  data: Record<string, unknown>,
  sanitize: Sanitizer,
): Promise<RenderedEmail> {
  const parts = renderParts(compiled, data)
  return finishEmail(parts, await sanitize(parts.html, parts.wholeDocument), data)
}

export type Sanitizer = (html: string, wholeDocument: boolean) => Promise<string>

interface RenderedParts {
  subject: string
  html: string
  text: string | undefined
  /** a merchant who writes a whole document (<html>...) opts out of our layout */
  wholeDocument: boolean
}

function renderParts(compiled: Compiled, data: Record<string, unknown>): RenderedParts {
  const problems: TemplateProblem[] = []
  const out: Partial<RenderedEmail> = {}
  for (const field of FIELDS) {
    budget = { iterations: 0, bytes: 0 }
    try {
      // Handlebars compiles lazily, so compile-time errors (e.g. an unknown helper) surface here
      out[field] = compiled[field](data, runtime)
    } catch (e) {
      problems.push(problemFromError(field, e))
    }
  }
  if (problems.length) throw new TemplateError(problems)
  const html = out.html ?? ''
  return { subject: out.subject ?? '', html, text: out.text, wholeDocument: /<html[\s>]/i.test(html) }
}

/** `body` is the sanitised HTML: no script, event handler or javascript: link survives, whatever the template did. */
function finishEmail(parts: RenderedParts, body: string, data: Record<string, unknown>): RenderedEmail {
  const email: RenderedEmail = {
    subject: parts.subject.replace(/\s+/g, ' ').trim(),
    html: parts.wholeDocument ? body : wrapInLayout(body, parts.subject, data.shop),
    text: parts.text?.trim() ? parts.text : htmlToText(body),
  }
  const size =
    Buffer.byteLength(email.subject) + Buffer.byteLength(email.html) + Buffer.byteLength(email.text)
  if (size > MAX_OUTPUT_BYTES) {
    throw new TemplateError([
      { field: 'html', line: null, column: null, message: 'renders to more than 1 MB' },
    ])
  }
  return email
}

let layout: Handlebars.TemplateDelegate | undefined
function wrapInLayout(body: string, subject: string, shop: unknown): string {
  layout ??= hb.compile(layoutSource(), { strict: true, knownHelpersOnly: true, knownHelpers })
  // the body was escaped when rendered; SafeString keeps the layout from escaping it twice
  return layout({ body: new hb.SafeString(body), subject, shop }, runtime)
}

const cache = new Map<string, Compiled>()
const CACHE_LIMIT = 500

/**
 * Compiles (once per key and version: stored versions never change) and renders. Pass no
 * `version` for unsaved sources such as a preview of an edit: those are never cached.
 */
export function renderTemplate(
  src: TemplateSource & { key?: string; version?: number },
  data: Record<string, unknown>,
): RenderedEmail {
  return renderCompiled(compiledFor(src), data)
}

/** renderTemplate with the HTML sanitised by `sanitize`. */
export function renderTemplateWith(
  src: TemplateSource & { key?: string; version?: number },
  data: Record<string, unknown>,
  sanitize: Sanitizer,
): Promise<RenderedEmail> {
  return renderCompiledWith(compiledFor(src), data, sanitize)
}

function compiledFor(src: TemplateSource & { key?: string; version?: number }): Compiled {
  const cacheKey =
    src.key !== undefined && src.version !== undefined ? `${src.key}@${src.version}` : undefined
  let compiled = cacheKey ? cache.get(cacheKey) : undefined
  if (!compiled) {
    compiled = compileTemplate(src)
    if (cacheKey) {
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
      cache.set(cacheKey, compiled)
    }
  }
  return compiled
}
