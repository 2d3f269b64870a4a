/** Which part of a template a problem is in. */
export type TemplateField = 'subject' | 'html' | 'text'

/**
 * One problem with a template, in the shape the API returns (`details` of a 422 `template_error`).
 * `line` and `column` are 1-based, like an editor's status bar; null when the error has no position
 * (e.g. a helper that threw at render time).
 */
export interface TemplateProblem {
  field: TemplateField
  line: number | null
  column: number | null
  message: string
}

/** A template that does not compile or does not render; lists every problem found. */
export class TemplateError extends Error {
  override name = 'TemplateError'
  constructor(
    readonly problems: TemplateProblem[],
    opts: { cause?: unknown } = {},
  ) {
    super(problems.map(describe).join('; '), { cause: opts.cause })
  }
}

function describe(p: TemplateProblem): string {
  return p.line === null
    ? `${p.field}: ${p.message}`
    : `${p.field} line ${p.line}, column ${p.column}: ${p.message}`
}

/**
 * Turns a Handlebars compile or runtime exception into a problem. Handlebars' `Exception` carries
 * `lineNumber` and a 0-based `column` and repeats them as a " - 3:4" suffix, which is dropped.
 */
export function problemFromError(field: TemplateField, e: unknown): TemplateProblem {
  if (e instanceof TemplateError && e.problems[0]) return e.problems[0]
  const err = e as { message?: unknown; lineNumber?: unknown; column?: unknown }
  const raw = typeof err?.message === 'string' ? err.message : String(e)
  const hasLoc = typeof err?.lineNumber === 'number' && typeof err?.column === 'number'
  return {
    field,
    line: hasLoc ? (err.lineNumber as number) : null,
    column: hasLoc ? (err.column as number) + 1 : null,
    message: friendly(raw.replace(/ - \d+:\d+$/, '')),
  }
}

/** Rewords the messages merchants meet most often; the original stays recognisable. */
function friendly(message: string): string {
  const missing = /^"(.+)" not defined in (.*)$/.exec(message)
  if (missing) {
    return `"${missing[1]}" is not a field here (${missing[2] === 'undefined' ? 'its parent is missing' : 'check the spelling, or wrap it in {{#if}} when it is optional'})`
  }
  if (message.startsWith('You specified knownHelpersOnly, but used the unknown helper ')) {
    return `unknown helper "${message.slice(60)}"; available: ${HELPER_HINT}`
  }
  return message
}

export const HELPER_HINT = 'money, date, pluralize, eq, upper, #if, #unless, #each, #with'
