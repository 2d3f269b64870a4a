/**
 * The shapes of the HTTP API (docs/api.md) as the editor reads them. Graph types come from the
 * engine as type-only imports: the editor never imports engine code at run time.
 */
import type { Graph, GraphEdge, GraphNode, GraphProblem } from '../../../engine/graph.ts'

export type { Graph, GraphEdge, GraphNode, GraphProblem }

export type Role = 'admin' | 'operations' | 'merchant' | 'analyst' | 'warehouse' | 'channel'

export interface Me {
  name: string
  role: Role
}

/** A JSON Schema node as produced by zod 4's `z.toJSONSchema` (only the parts the form reads). */
export interface JsonSchema {
  type?: string | string[]
  title?: string
  description?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: JsonSchema | boolean
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $ref?: string
  $defs?: Record<string, JsonSchema>
}

export interface NodeTypeInfo {
  type: string
  title: string
  description: string
  category: string
  icon: string
  ports: string[]
  portsFromConfig?: string
  trigger?: boolean
  waits?: boolean
  configSchema: JsonSchema
}

export interface FlowSummary {
  id: string
  name: string
  description?: string | null
  activeVersion: number | null
  isDefault: boolean
  hasDraftChanges: boolean
  inFlight: number
  updatedAt: string
}

export interface Flow extends Omit<FlowSummary, 'inFlight'> {
  graph: Graph
  inFlight?: number
}

export interface ValidationResult {
  valid: boolean
  problems: GraphProblem[]
}

export interface VersionInfo {
  version: number
  note: string | null
  publishedBy: string | null
  publishedAt: string
  active: boolean
}

export interface FlowVersion {
  flowId: string
  version: number
  graph: Graph
  note: string | null
  publishedBy: string | null
  publishedAt: string
}

export interface FlowExport {
  orderflow: 1
  id: string
  name: string
  description?: string | null
  graph: Graph
}

export interface OrderSummary {
  id: number
  channel: string
  externalId: string
  status: string
  customerEmail: string
  total: string
  currency: string
  flowId: string | null
  flowVersion: number | null
  runStatus: string | null
  createdAt: string
}

export interface RunInfo {
  id: number
  flowId: string
  flowVersion: number
  status: string
  error: string | null
  startedAt: string
  finishedAt: string | null
}

export interface StepInfo {
  id: number
  nodeId: string
  nodeType: string
  visit: number
  status: string
  attempt: number
  port: string | null
  output: Record<string, unknown> | null
  error: string | null
  startedAt: string | null
  finishedAt: string | null
  waitingSince: string | null
  waitEvents: string[] | null
  waitUntil: string | null
}

export interface OrderEvent {
  id: number
  type: string
  data?: Record<string, unknown>
  createdAt: string
  matched?: boolean
  [key: string]: unknown
}

export interface EmailInfo {
  id: number
  key: string
  orderId: number | null
  template: string
  to: string
  subject: string
  status: string
  createdAt: string
  html?: string
  text?: string
}

export interface OrderDetail {
  order: Record<string, unknown> & { id: number; status: string }
  run: RunInfo | null
  steps: StepInfo[]
  events: OrderEvent[]
  emails: EmailInfo[]
}

export interface TemplateSummary {
  key: string
  name: string
  version: number
  updatedAt: string
}

export interface Template extends TemplateSummary {
  subject: string
  html: string
  text?: string | null
  variables: (string | { path?: string; name?: string; description?: string; example?: unknown })[]
}

export interface TemplateError {
  field: 'subject' | 'html' | 'text' | string
  line?: number
  column?: number
  message: string
}

export interface Rendered {
  subject: string
  html: string
  text?: string
}

export interface RuleTestResult {
  fired: { name: string; event: { type: string; params: Record<string, unknown> } }[] | string[]
  set: Record<string, unknown>
  route: string | null | undefined
}

/** Percentiles of a duration, milliseconds; null when nothing was measured. */
export interface DurationStats {
  p50: number | null
  p95: number | null
  mean: number | null
}

/** One node of `GET /api/flows/:id/metrics` (docs/api.md, "Metrics and KPIs"). */
export interface NodeMetrics {
  nodeId: string
  type: string
  label: string | null
  entered: number
  completed: number
  failed: number
  cancelled: number
  retried: number
  waitingNow: number
  /** failed / (completed + failed); null before any step finished */
  errorRate: number | null
  ports: { port: string; count: number; share: number }[]
  processingMs: DurationStats
  waitingMs: DurationStats
}

export interface EdgeMetrics {
  id: string
  source: string
  sourceHandle: string
  target: string
  count: number
  share: number | null
}

export interface FlowMetrics {
  flowId: string
  /** null: all versions together */
  version: number | null
  versions: number[]
  from: string | null
  to: string | null
  nodes: NodeMetrics[]
  edges: EdgeMetrics[]
}

export type KpiBucket = 'day' | 'week' | 'month'

export interface KpiPoint {
  start: string
  ordersPlaced: number
  unitsSold: number
  unitsReturned: number
  returnRate: number | null
  pickingAccuracy: number | null
  leadTimeMeanMs: number | null
  leadTimeP50Ms: number | null
  leadTimeP95Ms: number | null
  backorderRate: number | null
  paymentFailureRate: number | null
  onTimeShipRate: number | null
  emailsSent: number
}

/** `GET /api/kpis`: every rate is null when its denominator is 0. */
export interface KpiReport {
  from: string | null
  to: string | null
  flow: string | null
  channel: string | null
  ordersPlaced: number
  returnRate: {
    unitsSold: number
    unitsReturned: number
    rate: number | null
    byReason: { reason: string; units: number; rate: number | null; share: number | null }[]
  }
  pickingAccuracy: { pickedOrders: number; ordersWithError: number; rate: number | null }
  leadTime: { deliveredOrders: number; meanMs: number | null; p50Ms: number | null; p95Ms: number | null }
  purchaseFrequency: { from: string; to: string; orders: number; customers: number; ordersPerCustomer: number | null }
  backorderRate: { stockCheckedOrders: number; backorderedOrders: number; rate: number | null }
  paymentFailureRate: { ordersWithPayment: number; ordersWithFailedPayment: number; rate: number | null }
  onTimeShipRate: {
    shippedOrders: number
    onTime: number
    rate: number | null
    sla: { standardHours: number; expressHours: number }
  }
  emailsPerTemplate: { template: string; sent: number }[]
  series?: KpiPoint[]
}

/** `POST /api/simulations` (docs/api.md, "Simulations"): `version` or `compare`, not both. */
export interface SimulationRequest {
  flowId: string
  /** 1…2000 (default 200) */
  orders: number
  /** (default 1) */
  seed?: number
  /** a published version (default: the active one) */
  version?: number
  /** two published versions on the same order stream */
  compare?: [number, number]
  /** orders arrive over this many simulated days, 0.1…60 (default 7) */
  days?: number
  tickMinutes?: number
}

/** One simulated run of a flow version. */
export interface SimulationRun {
  flow: { id: string; version: number }
  orders: number
  /** runs by status at the end, e.g. `{ completed: 25, waiting: 5 }` */
  runs: Record<string, number>
  simulatedDays: number
  wallSeconds: number
  metrics: FlowMetrics
  kpis: KpiReport
}

/** `GET /api/simulations/:id`; `progress.done` counts orders placed over all runs. */
export interface Simulation {
  id: string
  status: 'running' | 'done' | 'failed'
  flowId: string
  startedAt: string
  finishedAt?: string
  startedBy: string
  progress: { done: number; total: number }
  result?: SimulationRun | { compare: { a: SimulationRun; b: SimulationRun } }
  error?: string
}
