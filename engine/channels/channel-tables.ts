import type { ColumnType, Generated, Kysely } from 'kysely'
import type { Database } from '../db-types.ts'

/** The tables of migrations/0010_channels.sql, mirrored exactly (kept beside the code that owns them). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export type ChannelType = 'shopify' | 'woocommerce'
export type DeliveryOutcome = 'created' | 'existing' | 'updated' | 'stale' | 'ignored'

export interface ChannelsTable {
  id: Generated<number>
  type: ChannelType
  name: string
  secret: string
  created_by: string
  created_at: Timestamp
  deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface ChannelOrdersTable {
  channel_id: number
  external_id: string
  order_id: number
  external_updated_at: ColumnType<Date, Date | string, Date | string>
  payload_sha256: string
  applied_at: Timestamp
}

export interface WebhookDeliveriesTable {
  channel_id: number
  delivery_id: string
  topic: string
  external_id: string | null
  order_id: number | null
  outcome: DeliveryOutcome
  received_at: Timestamp
}

// a type alias, not an interface: withTables<T> needs T to have an index signature
export type ChannelTables = {
  channels: ChannelsTable
  channel_orders: ChannelOrdersTable
  webhook_deliveries: WebhookDeliveriesTable
}

export type ChannelDb = Kysely<Database & ChannelTables>

/** The same database, with the channel tables visible to the type checker. */
export function withChannelTables(db: Kysely<Database>): ChannelDb {
  return db.withTables<ChannelTables>()
}
