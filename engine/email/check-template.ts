import type Handlebars from 'handlebars'
import { BLOCK_HELPER_NAMES, HELPER_NAMES } from './helpers.ts'
import { HELPER_HINT, type TemplateField, type TemplateProblem } from './template-error.ts'

type Program = hbs.AST.Program
type Node = hbs.AST.Node

/**
 * Property names that lead from data to functions (`constructor.constructor` is the classic way
 * to reach `Function`). Handlebars' runtime already refuses non-own properties; refusing them at
 * save time as well means a template that tries never becomes live at all.
 */
const FORBIDDEN_SEGMENTS = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'valueOf',
  'toLocaleString',
])
const HELPERS = new Set(HELPER_NAMES)
const BLOCKS = new Set(BLOCK_HELPER_NAMES)

/**
 * Parses a merchant template and checks it against the allow-list: no triple-stash or `{{& }}`
 * (output is always escaped), no partials or decorators, only known helpers, no prototype paths.
 * Returns the AST when there are no problems.
 */
export function checkTemplate(
  hb: typeof Handlebars,
  field: TemplateField,
  source: string,
): { ast?: Program; problems: TemplateProblem[] } {
  let ast: Program
  try {
    ast = hb.parse(source)
  } catch (e) {
    return { problems: [parseProblem((hb as unknown as { Parser?: unknown }).Parser, field, source, e)] }
  }
  const problems: TemplateProblem[] = []
  const report = (node: { loc?: hbs.AST.SourceLocation }, message: string) =>
    problems.push({
      field,
      line: node.loc?.start.line ?? null,
      column: node.loc ? node.loc.start.column + 1 : null,
      message,
    })
  const visit = (node: Node | undefined): void => {
    if (!node) return
    switch (node.type) {
      case 'Program':
        for (const s of (node as Program).body) visit(s)
        return
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement
        if (!m.escaped) {
          report(node, 'unescaped output ({{{ }}} or {{& }}) is not allowed; use {{ }}, which escapes HTML')
        }
        if (m.params.length > 0 || m.hash) checkHelper(m.path, false)
        visitAll(m.path, ...m.params, m.hash)
        return
      }
      case 'SubExpression': {
        const s = node as hbs.AST.SubExpression
        checkHelper(s.path, false)
        visitAll(s.path, ...s.params, s.hash)
        return
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement
        checkHelper(b.path, true)
        visitAll(...b.params, b.hash, b.program, b.inverse)
        return
      }
      case 'Hash':
        visitAll(...(node as hbs.AST.Hash).pairs.map((p) => p.value))
        return
      case 'PathExpression': {
        const bad = (node as hbs.AST.PathExpression).parts.find((p) => FORBIDDEN_SEGMENTS.has(p))
        if (bad) report(node, `"${bad}" cannot be used in a template`)
        return
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return void report(
          node,
          'partials ({{> name}}) are not available; the shop layout is applied automatically',
        )
      case 'DecoratorBlock':
      case 'Decorator':
        return void report(node, 'decorators ({{* name}}) are not available')
      default:
        return // content, comments and literals are always fine
    }
  }
  const visitAll = (...nodes: unknown[]) => {
    for (const n of nodes) visit(n as Node | undefined)
  }
  const checkHelper = (path: hbs.AST.PathExpression | hbs.AST.Literal, block: boolean) => {
    const name =
      path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : String(path.type)
    const allowed = block ? BLOCKS : HELPERS
    if (allowed.has(name)) return
    const hint = block && HELPERS.has(name) ? ` (use it inside a block, e.g. {{#if (${name} a b)}})` : ''
    report(
      path,
      `${block ? 'block ' : ''}helper "${name}" is not available${hint}; available: ${HELPER_HINT}`,
    )
  }
  visit(ast)
  return problems.length ? { problems } : { ast, problems }
}

/** Parser token names, as a merchant would say them. */
const TOKENS: Record<string, string> = {
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  OPEN_SEXPR: '(',
  CLOSE_SEXPR: ')',
  ID: 'a name',
  STRING: 'a "string"',
  NUMBER: 'a number',
  DATA: 'an @name',
  OPEN: '{{',
  OPEN_ENDBLOCK: '{{/...}}',
  INVERSE: '{{else}}',
  SEP: '.',
  EQUALS: '=',
  INVALID: 'an unexpected character',
  EOF: 'the end of the template',
}

/**
 * Handlebars' parser drops the location from its exception, but its lexer still holds the
 * offending token's position right after the throw (the parser is synchronous).
 */
function parseProblem(parser: unknown, field: TemplateField, source: string, e: unknown): TemplateProblem {
  const message = e instanceof Error ? e.message : String(e)
  const loc = (parser as { lexer?: { yylloc?: { first_line: number; first_column: number } } }).lexer?.yylloc
  const got = /got '([^']+)'/.exec(message)?.[1]
  const expected = /Expecting (.+), got/.exec(message)?.[1]
  let text = message.split('\n')[0] ?? message
  if (got === 'EOF') text = 'the template ends inside an open block; close it with {{/if}}, {{/each}}, ...'
  else if (got) {
    const wanted = [
      ...new Set(
        (expected ?? '')
          .split(', ')
          .map((t) => TOKENS[t.replace(/'/g, '')])
          .filter(Boolean),
      ),
    ]
    text = `syntax error: found ${TOKENS[got] ?? got}${wanted.length ? ` where ${wanted.slice(0, 2).join(' or ')} should be` : ''}`
  }
  const mismatch = /^(\S+) doesn't match (\S+)/.exec(message)
  if (mismatch) text = `{{/${mismatch[2]}}} does not close the open {{#${mismatch[1]}}}`
  const own = e as { lineNumber?: number; column?: number }
  if (typeof own.lineNumber === 'number' && typeof own.column === 'number') {
    return { field, line: own.lineNumber, column: own.column + 1, message: text }
  }
  if (!loc) return { field, line: null, column: null, message: text }
  const unclosed = unclosedTag(source, loc.first_line, loc.first_column)
  if (unclosed) return { field, ...unclosed, message: 'this {{ tag is never closed; end it with }}' }
  return { field, line: loc.first_line, column: loc.first_column + 1, message: text }
}

/** The last `{{` before the error, when no `}}` follows it: the real mistake, far from where the lexer gave up. */
function unclosedTag(
  source: string,
  line: number,
  column: number,
): { line: number; column: number } | undefined {
  const lines = source.split('\n')
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column
  const open = source.lastIndexOf('{{', offset)
  if (open < 0 || source.indexOf('}}', open) >= 0) return undefined
  const before = source.slice(0, open).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}
