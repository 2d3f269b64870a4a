import crypto from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { receiveOrder } from '../orders/intake.ts'
import { orderInputSchema } from '../orders/order-model.ts'
import { postEvent } from '../runner/events.ts'
import { type DeliveryOutcome, withChannelTables } from './channel-tables.ts'
import { MappingError } from './decimal.ts'
import { describeIssues } from './fields.ts'
import { parseJsonKeepingNumbers } from './parse-json.ts'
import type { MappedOrder, Platform } from './platform.ts'
import { shopify } from './shopify.ts'
import { verifySignature } from './verify-signature.ts'
import { woocommerce } from './woocommerce.ts'

const PLATFORMS: Record<string, Platform> = { shopify, woocommerce }

export interface WebhookRequest {
  /** header lookup, case-insensitive */
  header(name: string): string | undefined
  rawBody: Buffer
}

export interface WebhookAnswer {
  outcome: DeliveryOutcome | 'ping'
  /** true when this exact delivery was handled before: nothing changed this time */
  duplicate: boolean
  orderId: number | null
}

/**
 * One webhook delivery from a sales channel. The signature is checked on the raw bytes before
 * anything parses them; the order is committed (order, run start, then the channel's
 * bookkeeping) before this returns, so a 200 always means "stored".
 *
 * Dedupe, in three layers: the delivery id (a platform retry of the same delivery answers
 * from webhook_deliveries); the (channel, externalId) unique index in receiveOrder (the same
 * order through another delivery finds the first order); and channel_orders' version (an
 * update applies only when the platform's modification time is newer than the one applied).
 */
export async function receiveWebhook(db: Db, channelId: number, req: WebhookRequest): Promise<WebhookAnswer> {
  const cdb = withChannelTables(db)
  const channel = await cdb
    .selectFrom('channels')
    .select(['id', 'type', 'name', 'secret'])
    .where('id', '=', channelId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!channel)
    throw new ApiError(
      404,
      'not_found',
      `Channel ${channelId} does not exist; check the webhook URL in the platform's settings.`,
    )
  const platform = PLATFORMS[channel.type]!

  // WooCommerce checks a new webhook URL with an unsigned form post `webhook_id=<n>`: say yes, store nothing
  if (platform === woocommerce && /^webhook_id=\d{1,20}$/.test(req.rawBody.toString('latin1').trim())) {
    return { outcome: 'ping', duplicate: false, orderId: null }
  }
  if (!verifySignature(channel.secret, req.rawBody, req.header(platform.signatureHeader))) {
    throw new ApiError(
      401,
      'invalid_signature',
      `The ${headerName(platform.signatureHeader)} signature does not match this body; check the channel's secret.`,
    )
  }
  const topic = req.header(platform.topicHeader)?.trim()
  if (!topic)
    throw new ApiError(400, 'missing_topic', `The ${headerName(platform.topicHeader)} header is missing.`)
  const deliveryId = deliveryIdOf(platform, req)

  const seen = await cdb
    .selectFrom('webhook_deliveries')
    .select(['outcome', 'order_id'])
    .where('channel_id', '=', channel.id)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst()
  if (seen) return { outcome: seen.outcome, duplicate: true, orderId: seen.order_id }

  if (!platform.createTopics.includes(topic) && !platform.updateTopics.includes(topic)) {
    await recordDelivery(db, {
      channelId: channel.id,
      deliveryId,
      topic,
      externalId: null,
      orderId: null,
      outcome: 'ignored',
    })
    return { outcome: 'ignored', duplicate: false, orderId: null }
  }

  const mapped = mapPayload(platform, req.rawBody, channel.name)
  // an update for an order never seen (the create delivery is late or was lost) takes the order in
  const { id: orderId, created } = await receiveOrder(db, mapped.input)
  const outcome = await applyVersion(db, channel.id, orderId, created, mapped, sha256(req.rawBody))
  await recordDelivery(db, {
    channelId: channel.id,
    deliveryId,
    topic,
    externalId: mapped.externalId,
    orderId,
    outcome,
  })
  return { outcome, duplicate: false, orderId }
}

function mapPayload(platform: Platform, rawBody: Buffer, channelName: string): MappedOrder {
  let payload: unknown
  try {
    payload = parseJsonKeepingNumbers(rawBody.toString('utf8'))
  } catch {
    throw new ApiError(400, 'invalid_json', 'The webhook body is not valid JSON.')
  }
  let mapped: MappedOrder
  try {
    mapped = platform.map(payload, channelName)
  } catch (e) {
    if (!(e instanceof MappingError)) throw e
    throw new ApiError(422, 'unmappable_order', e.message, Array.isArray(e.cause) ? e.cause : undefined)
  }
  const checked = orderInputSchema.safeParse(mapped.input)
  if (!checked.success) {
    const { message, details } = describeIssues(checked.error)
    throw new ApiError(
      422,
      'unmappable_order',
      `The ${platform.type} order maps to an order orderflow cannot take: ${message}`,
      details,
    )
  }
  return { ...mapped, input: checked.data }
}

/**
 * Records the platform version of the order and, when it is newer than the one applied, applies
 * it. The order row lock serialises concurrent deliveries of one order, so whichever order they
 * commit in, the newest version is the one that stays.
 */
async function applyVersion(
  db: Db,
  channelId: number,
  orderId: number,
  created: boolean,
  mapped: MappedOrder,
  payloadSha: string,
): Promise<DeliveryOutcome> {
  return db.transaction().execute(async (tx) => {
    await tx.selectFrom('orders').select('id').where('id', '=', orderId).forUpdate().executeTakeFirst()
    const cdb = withChannelTables(tx)
    const applied = await cdb
      .insertInto('channel_orders')
      .values({
        channel_id: channelId,
        external_id: mapped.externalId,
        order_id: orderId,
        external_updated_at: mapped.updatedAt,
        payload_sha256: payloadSha,
      })
      .onConflict((oc) =>
        oc
          .columns(['channel_id', 'external_id'])
          .doUpdateSet({
            external_updated_at: mapped.updatedAt,
            payload_sha256: payloadSha,
            applied_at: sql`now()`,
          })
          .where('channel_orders.external_updated_at', '<', mapped.updatedAt),
      )
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirst()
    if (!applied) {
      const stored = await cdb
        .selectFrom('channel_orders')
        .select('external_updated_at')
        .where('channel_id', '=', channelId)
        .where('external_id', '=', mapped.externalId)
        .executeTakeFirstOrThrow()
      return stored.external_updated_at.getTime() === mapped.updatedAt.getTime() ? 'existing' : 'stale'
    }
    if (created) return 'created'
    // newer than anything applied: the parts of an order a platform edit may change after intake.
    // Lines and totals stay: changing what is being paid and picked is for the flow to decide,
    // which the event lets it do.
    const input = mapped.input
    await tx
      .updateTable('orders')
      .set({
        shipping_address: JSON.stringify(input.shippingAddress),
        billing_address: input.billingAddress ? JSON.stringify(input.billingAddress) : null,
        payment: JSON.stringify(input.payment),
        tags: input.tags,
        updated_at: new Date(),
      })
      .where('id', '=', orderId)
      .execute()
    await postEvent(
      tx,
      orderId,
      'channel_updated',
      { version: mapped.updatedAt.toISOString() },
      `channel:${channelId}`,
    )
    return applied.inserted ? 'existing' : 'updated'
  })
}

async function recordDelivery(
  db: Db,
  d: {
    channelId: number
    deliveryId: string
    topic: string
    externalId: string | null
    orderId: number | null
    outcome: DeliveryOutcome
  },
) {
  await withChannelTables(db)
    .insertInto('webhook_deliveries')
    .values({
      channel_id: d.channelId,
      delivery_id: d.deliveryId,
      topic: d.topic.slice(0, 100),
      external_id: d.externalId,
      order_id: d.orderId,
      outcome: d.outcome,
    })
    .onConflict((oc) => oc.columns(['channel_id', 'delivery_id']).doNothing())
    .execute()
}

/** The platform's delivery id, or the body's hash: a byte-identical body is the same delivery. */
function deliveryIdOf(platform: Platform, req: WebhookRequest): string {
  for (const h of platform.deliveryHeaders) {
    const v = req.header(h)?.trim()
    if (v) return `${h}:${v.slice(0, 200)}`
  }
  return `sha256:${sha256(req.rawBody)}`
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')
const headerName = (h: string) => h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())
