import { html } from '@codemirror/lang-html'
import { EditorState, StateEffect, StateField, type Extension, RangeSetBuilder } from '@codemirror/state'
import { Decoration, type DecorationSet, EditorView, MatchDecorator, ViewPlugin, type ViewUpdate } from '@codemirror/view'
import { basicSetup, minimalSetup } from 'codemirror'

/** Handlebars expressions (`{{order.id}}`, `{{#each}}`) marked on top of the HTML highlighting. */
const hbsMatcher = new MatchDecorator({ regexp: /\{\{\{?[^}]*\}?\}\}/g, decoration: Decoration.mark({ class: 'cm-hbs' }) })
const handlebars = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet
    constructor(view: EditorView) {
      this.decorations = hbsMatcher.createDeco(view)
    }
    update(u: ViewUpdate) {
      this.decorations = hbsMatcher.updateDeco(u, this.decorations)
    }
  },
  { decorations: (v) => v.decorations },
)

/** Lines with a compile error, painted red. */
export const setErrorLines = StateEffect.define<number[]>()
const errorLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (e.is(setErrorLines)) {
        const b = new RangeSetBuilder<Decoration>()
        for (const line of [...new Set(e.value)].sort((a, c) => a - c)) {
          if (line >= 1 && line <= tr.state.doc.lines) {
            const l = tr.state.doc.line(line)
            b.add(l.from, l.from, Decoration.line({ class: 'cm-error-line' }))
          }
        }
        return b.finish()
      }
    }
    return tr.docChanged ? deco.map(tr.changes) : deco
  },
  provide: (f) => EditorView.decorations.from(f),
})

export interface CodeEditorOptions {
  doc: string
  kind: 'html' | 'text' | 'line'
  label: string
  readOnly?: boolean
  onchange: (doc: string) => void
}

export function createEditor(parent: HTMLElement, o: CodeEditorOptions): EditorView {
  const extensions: Extension[] = [
    o.kind === 'line' ? minimalSetup : basicSetup,
    handlebars,
    errorLines,
    EditorView.lineWrapping,
    EditorState.readOnly.of(o.readOnly === true),
    EditorView.contentAttributes.of({ 'aria-label': o.label }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onchange(u.state.doc.toString())
    }),
  ]
  if (o.kind === 'html') extensions.push(html())
  // a subject is one line: Enter does nothing
  if (o.kind === 'line') extensions.push(EditorState.transactionFilter.of((tr) => (tr.newDoc.lines > 1 ? [] : tr)))
  return new EditorView({ parent, state: EditorState.create({ doc: o.doc, extensions }) })
}

/** Replace the whole document (a newly opened template) without echoing a change. */
export function replaceDoc(view: EditorView, doc: string): void {
  if (view.state.doc.toString() === doc) return
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } })
}

/** Put the cursor at a 1-based line and column and scroll there. */
export function focusAt(view: EditorView, line: number, column = 1): void {
  const l = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)))
  const pos = Math.min(l.from + Math.max(0, column - 1), l.to)
  view.dispatch({ selection: { anchor: pos }, scrollIntoView: true })
  view.focus()
}
