import type { OrderInput } from '../orders/order-model.ts'
import type { ChannelType } from './channel-tables.ts'

/** One platform order as orderflow takes it in. */
export interface MappedOrder {
  externalId: string
  /** the platform's last-modified time: the version that decides which of two updates wins */
  updatedAt: Date
  input: OrderInput
}

/** What differs between Shopify and WooCommerce webhooks; engine/channels/receive-webhook.ts does the rest. */
export interface Platform {
  type: ChannelType
  /** header carrying the base64 HMAC-SHA256 of the raw body */
  signatureHeader: string
  topicHeader: string
  /** headers naming the delivery, most specific first; the same delivery again carries the same value */
  deliveryHeaders: string[]
  /** topics that create an order */
  createTopics: string[]
  /** topics that update an order taken in earlier */
  updateTopics: string[]
  map(payload: unknown, channelName: string): MappedOrder
}
