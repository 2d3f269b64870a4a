import { ApiError } from './api-client.ts'
import type { TemplateError } from './api-types.ts'

/** The compile errors of a 422 `template_error` answer, else undefined (another failure). */
export function templateErrors(e: unknown): TemplateError[] | undefined {
  if (!(e instanceof ApiError) || e.status !== 422) return undefined
  const details = Array.isArray(e.details) ? (e.details as TemplateError[]) : []
  return details.length ? details : [{ field: 'html', message: e.message }]
}

export function linesFor(errors: readonly TemplateError[], field: string): number[] {
  return errors.filter((e) => e.field === field && typeof e.line === 'number').map((e) => e.line!)
}

export function describeError(e: TemplateError): string {
  const where = e.line ? ` line ${e.line}${e.column ? `, column ${e.column}` : ''}` : ''
  return `${e.field}${where}: ${e.message}`
}

/** A variable as listed beside the editor, whatever shape the API gives it. */
export function variableName(v: string | { name?: string; path?: string }): string {
  return typeof v === 'string' ? v : (v.path ?? v.name ?? '')
}

export function variableHelp(v: string | { description?: string }): string {
  return typeof v === 'string' ? '' : (v.description ?? '')
}
