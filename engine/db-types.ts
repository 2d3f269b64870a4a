import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types mirroring migrations/ exactly. int8 columns are parsed to numbers (see db.ts). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json<T extends object | null = object> = JSONColumnType<T, string | undefined, string>
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

export interface ProductsTable {
  sku: string
  name: string
  weight_g: number
  length_mm: number
  width_mm: number
  height_mm: number
  fragile: Generated<boolean>
  zone: string
  bin: string
  price: Decimal
  created_at: Timestamp
  updated_at: Timestamp
}

export interface InventoryTable {
  sku: string
  on_hand: Generated<number>
  reserved: Generated<number>
  updated_at: Timestamp
}

export type ReservationStatus = 'reserved' | 'released' | 'consumed'
export interface ReservationsTable {
  id: Generated<number>
  order_id: number
  sku: string
  quantity: number
  status: Generated<ReservationStatus>
  step_id: number | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface BackordersTable {
  id: Generated<number>
  order_id: number
  sku: string
  quantity: number
  status: Generated<'open' | 'fulfilled' | 'cancelled'>
  expected_at: NullableTimestamp
  created_at: Timestamp
  closed_at: NullableTimestamp
}

export interface SupplierOrdersTable {
  id: Generated<number>
  order_id: number
  idempotency_key: string
  supplier: string
  supplier_email: string | null
  lines: Json<{ sku: string; quantity: number }[]>
  status: Generated<'requested' | 'confirmed' | 'shipped' | 'cancelled'>
  created_at: Timestamp
}

export type PickStrategy = 'single' | 'batch' | 'zone' | 'wave'
export type PickListStatus = 'open' | 'released' | 'picked'
export interface PickListsTable {
  id: Generated<number>
  strategy: PickStrategy
  zone: string | null
  wave: string | null
  status: Generated<PickListStatus>
  priority: Generated<number>
  release_at: NullableTimestamp
  created_at: Timestamp
  released_at: NullableTimestamp
  picked_at: NullableTimestamp
}

export interface PickListLinesTable {
  id: Generated<number>
  pick_list_id: number
  order_id: number
  sku: string
  zone: string
  bin: string
  quantity: number
  picked_quantity: number | null
  packed_at: NullableTimestamp
}

export interface PickErrorsTable {
  id: Generated<number>
  pick_list_id: number | null
  order_id: number | null
  sku: string
  expected: number
  actual: number
  kind: 'short' | 'over' | 'wrong_item'
  source: Generated<'pick' | 'pack'>
  created_at: Timestamp
}

export type ShipmentStatus = 'booked' | 'in_transit' | 'delivered' | 'lost' | 'returned'
export interface ShipmentsTable {
  id: Generated<number>
  order_id: number
  idempotency_key: string
  carrier: string
  service: 'standard' | 'express'
  tracking_number: string
  tracking_url: string
  label_svg: string
  parcels: Json
  status: Generated<ShipmentStatus>
  booked_at: Timestamp
  delivered_at: NullableTimestamp
}

export interface PaymentsTable {
  id: Generated<number>
  order_id: number
  idempotency_key: string
  provider: string
  method: string
  amount: Decimal
  currency: string
  status: 'captured' | 'failed' | 'pending'
  provider_ref: string | null
  failure_reason: string | null
  created_at: Timestamp
  captured_at: NullableTimestamp
}

export type ReturnStatus = 'requested' | 'approved' | 'rejected' | 'received' | 'refunded'
export type ReturnCondition = 'resellable' | 'opened' | 'damaged'
export interface ReturnsTable {
  id: Generated<number>
  order_id: number
  lines: Json<{ sku: string; quantity: number }[]>
  reason: string
  comment: Generated<string>
  status: Generated<ReturnStatus>
  rejection_reason: string | null
  condition: ReturnCondition | null
  refund_amount: ColumnType<string | null, string | number | null | undefined, string | number | null>
  requested_at: Timestamp
  decided_at: NullableTimestamp
  received_at: NullableTimestamp
  refunded_at: NullableTimestamp
}

export interface RefundsTable {
  id: Generated<number>
  order_id: number
  payment_id: number | null
  return_id: number | null
  idempotency_key: string
  amount: Decimal
  currency: string
  status: 'refunded' | 'failed'
  provider_ref: string | null
  reason: Generated<string>
  created_at: Timestamp
}

export interface SimulatedProviderChargesTable {
  key: string
  kind: 'capture' | 'refund'
  order_id: number | null
  amount: Decimal
  currency: string
  status: 'captured' | 'failed' | 'refunded' | 'timed_out'
  ref: string
  charge_ref: string | null
  reason: string | null
  created_at: Timestamp
}

export interface SimulatedChannelUpdatesTable {
  id: Generated<number>
  channel: string
  external_id: string
  tracking_number: string
  created_at: Timestamp
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
  products: ProductsTable
  inventory: InventoryTable
  reservations: ReservationsTable
  backorders: BackordersTable
  supplier_orders: SupplierOrdersTable
  pick_lists: PickListsTable
  pick_list_lines: PickListLinesTable
  pick_errors: PickErrorsTable
  shipments: ShipmentsTable
  payments: PaymentsTable
  returns: ReturnsTable
  refunds: RefundsTable
  simulated_provider_charges: SimulatedProviderChargesTable
  simulated_channel_updates: SimulatedChannelUpdatesTable
}
