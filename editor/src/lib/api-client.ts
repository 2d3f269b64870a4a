import type {
  EmailInfo,
  Flow,
  FlowExport,
  FlowMetrics,
  FlowSummary,
  KpiBucket,
  KpiReport,
  FlowVersion,
  Graph,
  Me,
  NodeTypeInfo,
  OrderDetail,
  OrderSummary,
  Rendered,
  RuleTestResult,
  Simulation,
  SimulationRequest,
  Template,
  TemplateSummary,
  ValidationResult,
  VersionInfo,
} from './api-types.ts'

/** An error answer of the API: `{ error: { code, message, details } }` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message)
  }
}

export type Fetch = typeof fetch

/** A thin typed client over `fetch`; one per signed-in token. */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly base = '/api',
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (cause) {
      throw new ApiError(0, 'network', 'The server cannot be reached; check that orderflow is running.', cause)
    }
    const text = await res.text()
    let data: unknown
    try {
      data = text ? JSON.parse(text) : undefined
    } catch {
      data = undefined
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText, err?.details)
    }
    return data as T
  }

  me = () => this.request<Me>('GET', '/me')
  nodeTypes = () => this.request<{ nodeTypes: NodeTypeInfo[] }>('GET', '/node-types').then((r) => r.nodeTypes)

  flows = () => this.request<{ flows: FlowSummary[] }>('GET', '/flows').then((r) => r.flows)
  flow = (id: string) => this.request<Flow>('GET', `/flows/${enc(id)}`)
  createFlow = (body: { id?: string; name: string; description?: string; graph?: Graph }) =>
    this.request<Flow>('POST', '/flows', body)
  saveFlow = (id: string, body: { name?: string; description?: string; graph: Graph }) =>
    this.request<Flow>('PUT', `/flows/${enc(id)}`, body)
  validate = (id: string, graph?: Graph) =>
    this.request<ValidationResult>('POST', `/flows/${enc(id)}/validate`, graph ? { graph } : {})
  publish = (id: string, note?: string) =>
    this.request<{ flowId: string; version: number; note: string | null; publishedBy: string; publishedAt: string }>(
      'POST',
      `/flows/${enc(id)}/publish`,
      { note },
    )
  versions = (id: string) =>
    this.request<{ versions: VersionInfo[] }>('GET', `/flows/${enc(id)}/versions`).then((r) => r.versions)
  version = (id: string, version: number) => this.request<FlowVersion>('GET', `/flows/${enc(id)}/versions/${version}`)
  exportFlow = (id: string) => this.request<FlowExport>('GET', `/flows/${enc(id)}/export`)
  importFlow = (data: FlowExport) => this.request<Flow>('POST', '/flows/import', data)

  orders = (q: { status?: string; q?: string; limit?: number; offset?: number } = {}) =>
    this.request<{ orders: OrderSummary[]; total: number }>('GET', `/orders${query(q)}`)
  order = (id: number | string) => this.request<OrderDetail>('GET', `/orders/${enc(String(id))}`)
  createOrder = (body: unknown) => this.request<{ id: number }>('POST', '/orders', body)
  postEvent = (id: number, type: string, data?: Record<string, unknown>) =>
    this.request<{ id: number; type: string; matched: boolean }>('POST', `/orders/${id}/events`, { type, data })
  retry = (id: number) => this.request<{ run: unknown }>('POST', `/orders/${id}/retry`)
  cancel = (id: number) => this.request<{ run: unknown }>('POST', `/orders/${id}/cancel`)
  emails = (orderId?: number) =>
    this.request<{ emails: EmailInfo[] }>('GET', `/emails${query({ orderId })}`).then((r) => r.emails)

  templates = () => this.request<{ templates: TemplateSummary[] }>('GET', '/templates').then((r) => r.templates)
  template = (key: string) => this.request<Template>('GET', `/templates/${enc(key)}`)
  saveTemplate = (key: string, body: { subject: string; html: string; text?: string }) =>
    this.request<Template>('PUT', `/templates/${enc(key)}`, body)
  previewTemplate = (key: string, body: { orderId?: number; subject?: string; html?: string; text?: string }) =>
    this.request<Rendered>('POST', `/templates/${enc(key)}/preview`, body)
  testTemplate = (key: string, to: string) => this.request<EmailInfo>('POST', `/templates/${enc(key)}/test`, { to })

  testRules = (rules: unknown[], orderId?: number) =>
    this.request<RuleTestResult>('POST', '/rules/test', { rules, orderId })

  /** Per-node and per-edge metrics; no `version`: all versions added up. */
  flowMetrics = (id: string, q: { version?: number; from?: string; to?: string } = {}) =>
    this.request<FlowMetrics>('GET', `/flows/${enc(id)}/metrics${query(q)}`)
  kpis = (q: { from?: string; to?: string; flow?: string; channel?: string; bucket?: KpiBucket } = {}) =>
    this.request<KpiReport>('GET', `/kpis${query(q)}`)

  /** 202 at once; the run goes on in the background (poll `simulation`); 409 while another runs. */
  startSimulation = (body: SimulationRequest) =>
    this.request<{ id: string; status: 'running' }>('POST', '/simulations', body)
  simulation = (id: string) => this.request<Simulation>('GET', `/simulations/${enc(id)}`)
}

function enc(s: string): string {
  return encodeURIComponent(s)
}

/** `?a=1&b=x` from the defined, non-empty entries. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** The message to show a person for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message || `Request failed (${e.status})`
  if (e instanceof Error) return e.message
  return String(e)
}
