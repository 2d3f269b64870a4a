import { Hono } from 'hono'
import { z } from 'zod'
import { CHANNEL_TYPES, createChannel, deleteChannel, listChannels } from '../channels/channel-store.ts'
import type { ChannelType } from '../channels/channel-tables.ts'
import { receiveWebhook } from '../channels/receive-webhook.ts'
import type { Db } from '../db.ts'
import { type Env, guard, idParam, readBody } from './guard.ts'

const createBody = z.object({
  type: z.enum(CHANNEL_TYPES as [ChannelType, ...ChannelType[]]),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/,
      'a name is letters, digits, spaces, "_", "." or "-", such as "shopify-eu"',
    ),
  secret: z.string().min(8, 'the webhook secret the platform shows (at least 8 characters)').max(500),
})

/** Sales channels: admins manage them; the platforms post webhooks signed with the channel's secret. */
export function channelRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  app.get('/', guard({ summary: 'Sales channels (never their secrets)', roles: [] }), async (c) =>
    c.json({ channels: await listChannels(db) }),
  )
  app.post(
    '/',
    guard({ summary: 'Connect a Shopify or WooCommerce channel', roles: [], body: createBody }),
    async (c) => {
      const input = await readBody(c, createBody)
      return c.json(await createChannel(db, c.get('actor').name, input), 201)
    },
  )
  app.delete(
    '/:id',
    guard({ summary: 'Disconnect a channel (its webhooks answer 404 from then on)', roles: [] }),
    async (c) => c.json(await deleteChannel(db, c.get('actor').name, idParam(c))),
  )
  // no bearer token: the HMAC signature over the raw body is the authentication
  app.post(
    '/:channelId/webhook',
    guard({
      summary: 'Shopify orders/create|updated or WooCommerce order.created|updated webhook (HMAC-signed)',
      roles: 'public',
    }),
    async (c) => {
      const channelId = idParam(c, 'channelId')
      const rawBody = Buffer.from(await c.req.arrayBuffer())
      const answer = await receiveWebhook(db, channelId, { rawBody, header: (name) => c.req.header(name) })
      return c.json(answer, 200)
    },
  )
  return app
}
