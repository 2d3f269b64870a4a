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
  'constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__',
  '__lookupSetter__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toString', 'valueOf',
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
  hb: { parse: typeof Handlebars.parse; Parser: unknown },
  field: TemplateField,
  source: string,
): { ast?: Program; problems: TemplateProblem[] } {
  let ast: Program
  try {
    ast = hb.parse(source)
  } catch (e) {
    return { problems: [parseProblem(hb.Parser, field, e)] }
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
        return visitAll(m.path, ...m.params, m.hash)
      }
      case 'SubExpression': {
        const s = node as hbs.AST.SubExpression
        checkHelper(s.path, false)
        return visitAll(s.path, ...s.params, s.hash)
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement
        checkHelper(b.path, true)
        return visitAll(...b.params, b.hash, b.program, b.inverse)
      }
      case 'Hash':
        return visitAll(...(node as hbs.AST.Hash).pairs.map((p) => p.value))
      case 'PathExpression': {
        const bad = (node as hbs.AST.PathExpression).parts.find((p) => FORBIDDEN_SEGMENTS.has(p))
        if (bad) report(node, `"${bad}" cannot be used in a template`)
        return
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return void report(node, 'partials ({{> name}}) are not available; the shop layout is applied automatically')
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
    const name = path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : String(path.type)
    const allowed = block ? BLOCKS : HELPERS
    if (allowed.has(name)) return
    const hint = block && HELPERS.has(name) ? ` (use it inside a block, e.g. {{#if (${name} a b)}})` : ''
    report(path, `${block ? 'block ' : ''}helper "${name}" is not available${hint}; available: ${HELPER_HINT}`)
  }
  visit(ast)
  return problems.length ? { problems } : { ast, problems }
}

/**
 * Handlebars' parser drops the location from its exception, but its lexer still holds the
 * offending token's position right after the throw (the parser is synchronous).
 */
function parseProblem(parser: unknown, field: TemplateField, e: unknown): TemplateProblem {
  const message = e instanceof Error ? e.message : String(e)
  const loc = (parser as { lexer?: { yylloc?: { first_line: number; first_column: number } } }).lexer?.yylloc
  const got = /got '([^']+)'/.exec(message)?.[1]
  const expected = /Expecting (.+), got/.exec(message)?.[1]
  let text = message.split('\n')[0] ?? message
  if (got === 'EOF') text = 'the template ends inside an open block; close it with {{/if}}, {{/each}}, ...'
  else if (got) text = `syntax error: unexpected ${got.toLowerCase()}${expected ? ` (expected ${expected.split(', ').slice(0, 4).join(', ')})` : ''}`
  else if (/doesn't match/.test(message)) text = message.replace(/ - \d+:\d+$/, '')
  const own = e as { lineNumber?: number; column?: number }
  if (typeof own.lineNumber === 'number' && typeof own.column === 'number') {
    return { field, line: own.lineNumber, column: own.column + 1, message: text }
  }
  return { field, line: loc?.first_line ?? null, column: loc ? loc.first_column + 1 : null, message: text }
}
