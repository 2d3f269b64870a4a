import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types mirroring migrations/ exactly. int8 columns are parsed to numbers (see db.ts). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json<T = unknown> = JSONColumnType<T, string | undefined, string>
/** numeric columns arrive as exact decimal strings */
type Decimal = ColumnType<string, string | number, string | number>

export interface FlowsTable {
  id: string
  name: string
  description: Generated<string>
  draft: Json
  active_version: number | null
  is_default: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface FlowVersionsTable {
  flow_id: string
  version: number
  graph: Json
  note: Generated<string>
  published_by: string
  published_at: Timestamp
}

export interface CustomersTable {
  id: Generated<number>
  email: string
  name: Generated<string>
  created_at: Timestamp
}

export interface OrdersTable {
  id: Generated<number>
  channel: string
  external_id: string
  customer_id: number
  status: Generated<string>
  currency: string
  shipping_address: Json
  billing_address: Json | null
  shipping_method: string
  payment_method: string
  payment: Json<Record<string, unknown>>
  subtotal: Decimal
  shipping_total: Decimal
  tax_total: Decimal
  total: Decimal
  attributes: Json<Record<string, unknown>>
  tags: ColumnType<string[], string[] | undefined, string[]>
  placed_at: Timestamp
  created_at: Timestamp
  updated_at: Timestamp
}

export interface OrderLinesTable {
  id: Generated<number>
  order_id: number
  line_no: number
  sku: string
  name: Generated<string>
  quantity: number
  unit_price: Decimal
}

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled'
export interface RunsTable {
  id: Generated<number>
  order_id: number
  flow_id: string
  flow_version: number
  status: RunStatus
  error: string | null
  started_at: Timestamp
  finished_at: NullableTimestamp
}

export type StepStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled'
export interface StepsTable {
  id: Generated<number>
  run_id: number
  node_id: string
  node_type: string
  visit: number
  status: StepStatus
  attempt: Generated<number>
  port: string | null
  output: Json | null
  state: Json | null
  error: string | null
  wait_events: string[] | null
  wait_until: NullableTimestamp
  created_at: Timestamp
  started_at: NullableTimestamp
  waiting_since: NullableTimestamp
  finished_at: NullableTimestamp
}

export interface EventsTable {
  id: Generated<number>
  order_id: number
  type: string
  data: Json<Record<string, unknown>>
  source: Generated<string>
  consumed_by_step: number | null
  created_at: Timestamp
}

export interface EmailTemplatesTable {
  key: string
  version: number
  name: string
  subject: string
  html: string
  text: Generated<string>
  created_by: string
  created_at: Timestamp
}

export interface EmailsTable {
  id: Generated<number>
  key: string
  order_id: number | null
  step_id: number | null
  template: string
  template_version: number
  to_address: string
  subject: string
  html: string
  text: string
  status: Generated<'queued' | 'sent' | 'stored' | 'failed'>
  error: string | null
  created_at: Timestamp
  sent_at: NullableTimestamp
}

export type Role = 'admin' | 'operations' | 'merchant' | 'analyst' | 'warehouse' | 'channel'
export interface ApiTokensTable {
  id: Generated<number>
  name: string
  role: Role
  token_hash: string
  created_at: Timestamp
  revoked_at: NullableTimestamp
  last_used_at: NullableTimestamp
}

export interface AuditLogTable {
  id: Generated<number>
  actor: string
  action: string
  target: string
  details: Json<Record<string, unknown>>
  at: Timestamp
}

export interface WorkerProcessesTable {
  id: string
  hostname: string
  pid: number
  graphile_worker_ids: ColumnType<string[], string[] | undefined, string[]>
  started_at: Timestamp
  heartbeat_at: Timestamp
}

export interface Database {
  flows: FlowsTable
  flow_versions: FlowVersionsTable
  customers: CustomersTable
  orders: OrdersTable
  order_lines: OrderLinesTable
  runs: RunsTable
  steps: StepsTable
  events: EventsTable
  email_templates: EmailTemplatesTable
  emails: EmailsTable
  api_tokens: ApiTokensTable
  audit_log: AuditLogTable
  worker_processes: WorkerProcessesTable
}
