import type { Connection } from '@xyflow/svelte'
import { ApiError, type ApiClient, errorMessage } from './api-client.ts'
import type { Flow, FlowMetrics, Graph, GraphProblem, NodeTypeInfo } from './api-types.ts'
import { autoLayout } from './auto-layout.ts'
import { copyFragment, type Fragment, pasteFragment } from './clipboard.ts'
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  type CanvasEdge,
  type CanvasNode,
  edgeId,
  freshId,
  groupProblems,
  INPUT_HANDLE,
  toCanvas,
  toGraph,
} from './flow-mapping.ts'
import { debounce } from './format.ts'
import { History } from './history.ts'
import { buildOverlay, type Measure } from './metrics-view.ts'
import { ERROR_PORT, portsOf } from './ports.ts'
import { defaultConfig } from './schema-form.ts'

export type SaveState = 'saved' | 'dirty' | 'saving' | 'error'

/** What the canvas lends the store once Svelte Flow is mounted (viewport helpers). */
export interface ViewportApi {
  screenToFlowPosition(p: { x: number; y: number }): { x: number; y: number }
  fitView(opts?: { nodes?: { id: string }[]; duration?: number; padding?: number; maxZoom?: number }): Promise<boolean>
  center(): { x: number; y: number }
}

/**
 * The one store for the flow being edited: canvas nodes/edges (bound to Svelte Flow), undo
 * history, clipboard, draft autosave, validation problems and publishing. Components read it
 * and call its methods; none keeps its own copy of the flow.
 */
export class FlowStore {
  nodes = $state.raw<CanvasNode[]>([])
  edges = $state.raw<CanvasEdge[]>([])
  flowId = $state('')
  name = $state('')
  description = $state('')
  activeVersion = $state<number | null>(null)
  hasDraftChanges = $state(false)
  /** set when viewing a published version: nothing can change */
  version = $state<number | undefined>(undefined)
  readOnly = $state(false)
  problems = $state.raw<GraphProblem[]>([])
  /** true once the person asked to validate: from then on every save re-validates */
  liveValidation = $state(false)
  validating = $state(false)
  saveState = $state<SaveState>('saved')
  saveError = $state('')
  canUndo = $state(false)
  canRedo = $state(false)
  clipboardSize = $state(0)
  /** an order's position on the canvas: node id → how its steps there ended */
  highlight = $state.raw(new Map<string, 'done' | 'current' | 'failed'>())
  /** metrics mode: the figures shown on the canvas (null: metrics mode is off) */
  metricsData = $state.raw<FlowMetrics | null>(null)
  /** what the heatmap colours nodes by */
  metricsMeasure = $state<Measure>('throughput')

  readonly typeMap: Map<string, NodeTypeInfo>
  viewport: ViewportApi | undefined
  private history = new History<Graph>({ nodes: [], edges: [] })
  private clipboard: Fragment | undefined
  private pasteCount = 0
  private readonly scheduleSave = debounce(() => void this.save(), 700)

  constructor(
    private readonly api: ApiClient,
    readonly nodeTypes: NodeTypeInfo[],
    readonly canValidate: boolean,
  ) {
    this.typeMap = new Map(nodeTypes.map((t) => [t.type, t]))
  }

  selected = $derived(this.nodes.filter((n) => n.selected))
  selectedNode = $derived(this.selected.length === 1 ? this.selected[0] : undefined)
  problemIndex = $derived(groupProblems(this.problems))
  errorCount = $derived(this.problems.filter((p) => p.severity === 'error').length)
  metrics = $derived(this.metricsData ? buildOverlay(this.metricsData, this.metricsMeasure) : null)

  load(flow: Pick<Flow, 'id' | 'name' | 'graph'> & Partial<Flow>, opts: { readOnly: boolean; version?: number }): void {
    this.scheduleSave.cancel()
    this.flowId = flow.id
    this.name = flow.name
    this.description = flow.description ?? ''
    this.activeVersion = flow.activeVersion ?? null
    this.hasDraftChanges = flow.hasDraftChanges ?? false
    this.version = opts.version
    this.readOnly = opts.readOnly
    this.problems = []
    this.liveValidation = false
    const { nodes, edges } = toCanvas(flow.graph ?? { nodes: [], edges: [] })
    this.nodes = nodes
    // edges from ports that no longer exist are kept: the validator reports them by name
    this.edges = edges
    this.history.reset(this.graph())
    this.syncHistory()
    this.saveState = 'saved'
  }

  graph(): Graph {
    return toGraph(this.nodes, this.edges)
  }

  def(type: string): NodeTypeInfo | undefined {
    return this.typeMap.get(type)
  }

  portsFor(node: { data: { type: string; config: Record<string, unknown> } }): string[] {
    return portsOf(this.def(node.data.type), node.data.config)
  }

  // ---- changes (each ends in `changed`, which records history and schedules the autosave)

  addNode(type: string, position?: { x: number; y: number }): string | undefined {
    const def = this.def(type)
    if (!def || this.readOnly) return undefined
    if (def.trigger && this.nodes.some((n) => this.def(n.data.type)?.trigger)) {
      this.saveError = 'A flow has exactly one trigger; this flow already has one.'
      return undefined
    }
    const id = freshId(type, new Set(this.nodes.map((n) => n.id)))
    const at = position ?? this.viewport?.center() ?? { x: 0, y: 0 }
    const node: CanvasNode = {
      id,
      type: 'card',
      position: { x: Math.round(at.x), y: Math.round(at.y) },
      initialWidth: CARD_WIDTH,
      initialHeight: CARD_HEIGHT,
      data: { type, config: defaultConfig(def.configSchema), problems: [] },
      selected: true,
    }
    this.nodes = [...this.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node]
    this.changed()
    return id
  }

  /** Svelte Flow asks before drawing a connection: output port → input, no duplicates, no trigger targets. */
  isValidConnection = (c: Connection | CanvasEdge): boolean => {
    if (this.readOnly || !c.source || !c.target || c.source === c.target) return false
    if ((c.targetHandle ?? INPUT_HANDLE) !== INPUT_HANDLE) return false
    const target = this.nodes.find((n) => n.id === c.target)
    if (!target || this.def(target.data.type)?.trigger) return false
    if (!c.sourceHandle || !this.handleExists(c.source, c.sourceHandle)) return false
    return !this.edges.some((e) => e.source === c.source && e.sourceHandle === c.sourceHandle && e.target === c.target)
  }

  /** The edge Svelte Flow adds for a connection, with our id scheme. */
  edgeFor = (c: Connection): CanvasEdge => ({
    id: edgeId(c.source, c.sourceHandle ?? '', c.target),
    source: c.source,
    sourceHandle: c.sourceHandle,
    target: c.target,
    targetHandle: INPUT_HANDLE,
    class: c.sourceHandle === ERROR_PORT ? 'edge-error-port' : undefined,
  })

  connect(c: Connection): void {
    if (!this.isValidConnection(c)) return
    this.edges = [...this.edges, this.edgeFor(c)]
    this.changed()
  }

  updateConfig(id: string, config: Record<string, unknown>, coalesceKey?: string): void {
    if (this.readOnly) return
    this.nodes = this.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, config } } : n))
    // ports can come from the config (a decision's routes): edges from a removed port go too
    const node = this.nodes.find((n) => n.id === id)
    if (node) {
      const ports = new Set([...this.portsFor(node), ERROR_PORT])
      const kept = this.edges.filter((e) => e.source !== id || ports.has(e.sourceHandle ?? ''))
      if (kept.length !== this.edges.length) this.edges = kept
    }
    this.changed(coalesceKey ? `${id}:${coalesceKey}` : undefined)
  }

  updateLabel(id: string, label: string): void {
    if (this.readOnly) return
    this.nodes = this.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, label: label || undefined } } : n))
    this.changed(`${id}:label`)
  }

  deleteSelected(): void {
    if (this.readOnly) return
    const gone = new Set(this.selected.map((n) => n.id))
    const selectedEdges = new Set(this.edges.filter((e) => e.selected).map((e) => e.id))
    if (gone.size === 0 && selectedEdges.size === 0) return
    this.nodes = this.nodes.filter((n) => !gone.has(n.id))
    this.edges = this.edges.filter((e) => !selectedEdges.has(e.id) && !gone.has(e.source) && !gone.has(e.target))
    this.changed()
  }

  /** Called after Svelte Flow itself deleted elements (Delete key) or finished a drag. */
  changed(coalesceKey?: string): void {
    if (this.readOnly) return
    this.history.record(this.graph(), coalesceKey)
    this.syncHistory()
    this.saveState = 'dirty'
    this.scheduleSave()
  }

  /** After a drag: record only when something really moved (a click also ends a "drag"). */
  moved(): void {
    const before = this.history.current
    const now = this.graph()
    const same = before.nodes.length === now.nodes.length && before.nodes.every((n, i) => n.position.x === now.nodes[i]?.position.x && n.position.y === now.nodes[i]?.position.y)
    if (!same) this.changed()
  }

  undo(): void {
    const g = this.history.undo()
    if (g) this.restore(g)
  }

  redo(): void {
    const g = this.history.redo()
    if (g) this.restore(g)
  }

  private restore(g: Graph): void {
    const selected = new Set(this.selected.map((n) => n.id))
    const { nodes, edges } = toCanvas(g)
    this.nodes = nodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n))
    this.edges = edges
    this.syncHistory()
    this.saveState = 'dirty'
    this.scheduleSave()
  }

  copy(): void {
    const sel = new Set(this.selected.map((n) => n.id))
    if (sel.size === 0) return
    const g = this.graph()
    this.clipboard = copyFragment(g.nodes, g.edges, sel)
    this.clipboardSize = this.clipboard.nodes.length
    this.pasteCount = 0
  }

  paste(): void {
    if (!this.clipboard || this.readOnly) return
    this.pasteCount++
    const hasTrigger = this.nodes.some((n) => this.def(n.data.type)?.trigger)
    const frag = pasteFragment(
      this.clipboard,
      new Set(this.nodes.map((n) => n.id)),
      { x: 40 * this.pasteCount, y: 40 * this.pasteCount },
      (type) => hasTrigger && this.def(type)?.trigger === true,
    )
    if (frag.nodes.length === 0) return
    const { nodes, edges } = toCanvas({ nodes: frag.nodes, edges: frag.edges })
    this.nodes = [...this.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes.map((n) => ({ ...n, selected: true }))]
    this.edges = [...this.edges, ...edges]
    this.changed()
  }

  duplicate(): void {
    this.copy()
    this.paste()
  }

  layout(): void {
    if (this.readOnly) return
    this.nodes = autoLayout(this.nodes, this.edges)
    this.changed()
    setTimeout(() => void this.viewport?.fitView({ duration: 200, padding: 0.15, maxZoom: 1 }), 30)
  }

  selectNode(id: string, focus = true): void {
    this.nodes = this.nodes.map((n) => (n.id === id ? { ...n, selected: true } : n.selected ? { ...n, selected: false } : n))
    this.edges = this.edges.map((e) => (e.selected ? { ...e, selected: false } : e))
    if (focus) void this.viewport?.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2, padding: 0.6 })
  }

  selectAll(): void {
    this.nodes = this.nodes.map((n) => (n.selected ? n : { ...n, selected: true }))
  }

  // ---- server

  async save(): Promise<void> {
    if (this.readOnly || this.saveState === 'saved') return
    this.scheduleSave.cancel()
    this.saveState = 'saving'
    const graph = this.graph()
    try {
      const flow = await this.api.saveFlow(this.flowId, { graph })
      this.hasDraftChanges = flow.hasDraftChanges ?? true
      // another edit may have landed while saving: keep it dirty
      this.saveState = JSON.stringify(this.graph()) === JSON.stringify(graph) ? 'saved' : 'dirty'
      this.saveError = ''
      if (this.saveState === 'dirty') this.scheduleSave()
      if (this.liveValidation) void this.validate()
    } catch (e) {
      this.saveState = 'error'
      this.saveError = `Draft not saved: ${errorMessage(e)}`
    }
  }

  async validate(): Promise<boolean> {
    if (!this.canValidate) return false
    this.validating = true
    try {
      const res = await this.api.validate(this.flowId, this.graph())
      this.problems = res.problems
      this.liveValidation = true
      return res.valid
    } finally {
      this.validating = false
    }
  }

  /** Save, then publish; a 422 brings the problems onto the canvas. */
  async publish(note: string): Promise<{ version: number } | { problems: GraphProblem[] }> {
    if (this.saveState !== 'saved') {
      this.saveState = 'dirty'
      await this.save()
      if ((this.saveState as SaveState) === 'error') throw new Error(this.saveError)
    }
    try {
      const res = await this.api.publish(this.flowId, note || undefined)
      this.activeVersion = res.version
      this.hasDraftChanges = false
      this.problems = this.problems.filter((p) => p.severity === 'warning')
      return { version: res.version }
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && Array.isArray(e.details)) {
        this.problems = e.details as GraphProblem[]
        this.liveValidation = true
        return { problems: this.problems }
      }
      throw e
    }
  }

  private handleExists(nodeId: string, port: string): boolean {
    if (port === ERROR_PORT) return true
    const node = this.nodes.find((n) => n.id === nodeId)
    return node ? this.portsFor(node).includes(port) : false
  }

  private syncHistory(): void {
    this.canUndo = this.history.canUndo
    this.canRedo = this.history.canRedo
  }
}
