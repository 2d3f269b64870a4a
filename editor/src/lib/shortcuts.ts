/** The canvas's keyboard shortcuts, also listed in the help popover. */
export type CanvasAction = 'undo' | 'redo' | 'copy' | 'paste' | 'duplicate' | 'selectAll' | 'layout' | 'fit' | 'save' | 'validate'

export const SHORTCUTS: { keys: string; action: CanvasAction | 'delete'; label: string }[] = [
  { keys: 'Ctrl+Z', action: 'undo', label: 'Undo' },
  { keys: 'Ctrl+Shift+Z / Ctrl+Y', action: 'redo', label: 'Redo' },
  { keys: 'Ctrl+C / Ctrl+V', action: 'copy', label: 'Copy / paste nodes' },
  { keys: 'Ctrl+D', action: 'duplicate', label: 'Duplicate selection' },
  { keys: 'Ctrl+A', action: 'selectAll', label: 'Select all' },
  { keys: 'Delete', action: 'delete', label: 'Delete selection' },
  { keys: 'Shift+L', action: 'layout', label: 'Auto-layout' },
  { keys: 'Shift+F', action: 'fit', label: 'Zoom to fit' },
  { keys: 'Ctrl+S', action: 'save', label: 'Save draft now' },
  { keys: 'Ctrl+Enter', action: 'validate', label: 'Validate' },
]

/** The action for a key press on the canvas, or undefined (typing in a field never triggers one). */
export function actionFor(e: KeyboardEvent): CanvasAction | undefined {
  const t = e.target as HTMLElement | null
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return undefined
  if (t?.closest('dialog')) return undefined
  const mod = e.ctrlKey || e.metaKey
  const k = e.key.toLowerCase()
  if (mod && k === 'z') return e.shiftKey ? 'redo' : 'undo'
  if (mod && k === 'y') return 'redo'
  if (mod && k === 'c') return 'copy'
  if (mod && k === 'v') return 'paste'
  if (mod && k === 'd') return 'duplicate'
  if (mod && k === 'a') return 'selectAll'
  if (mod && k === 's') return 'save'
  if (mod && k === 'enter') return 'validate'
  if (!mod && e.shiftKey && k === 'l') return 'layout'
  if (!mod && e.shiftKey && k === 'f') return 'fit'
  return undefined
}
