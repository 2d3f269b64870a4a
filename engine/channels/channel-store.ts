import type { Db } from '../db.ts'
import { ApiError } from '../errors.ts'
import { audit } from '../audit.ts'
import { type ChannelType, withChannelTables } from './channel-tables.ts'

export const CHANNEL_TYPES: readonly ChannelType[] = ['shopify', 'woocommerce']

/** A channel as the API shows it: never the secret. */
export interface ChannelView {
  id: number
  type: ChannelType
  name: string
  /** where the platform should POST its webhooks */
  webhookPath: string
  createdBy: string
  createdAt: Date
  lastDeliveryAt: Date | null
}

const webhookPath = (id: number) => `/api/channels/${id}/webhook`

/** Creates a channel and its audit entry in one transaction. A second active channel with the same name is a 409. */
export async function createChannel(
  db: Db,
  actor: string,
  input: { type: ChannelType; name: string; secret: string },
) {
  return db.transaction().execute(async (tx) => {
    const cdb = withChannelTables(tx)
    const clash = await cdb
      .selectFrom('channels')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase()))
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (clash) {
      throw new ApiError(
        409,
        'channel_exists',
        `A channel named "${input.name}" exists already (id ${clash.id}); pick another name or delete that one first.`,
      )
    }
    const row = await cdb
      .insertInto('channels')
      .values({ type: input.type, name: input.name, secret: input.secret, created_by: actor })
      .returning(['id', 'type', 'name'])
      .executeTakeFirstOrThrow()
    // the secret never goes into the audit log
    await audit(tx, actor, 'channel.created', `channel:${row.id}`, { type: row.type, name: row.name })
    return { ...row, webhookPath: webhookPath(row.id) }
  })
}

export async function listChannels(db: Db): Promise<ChannelView[]> {
  const rows = await withChannelTables(db)
    .selectFrom('channels')
    .select((eb) => [
      'id',
      'type',
      'name',
      'created_by',
      'created_at',
      eb
        .selectFrom('webhook_deliveries')
        .select((d) => d.fn.max('received_at').as('at'))
        .whereRef('webhook_deliveries.channel_id', '=', 'channels.id')
        .as('last_delivery_at'),
    ])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    name: r.name,
    webhookPath: webhookPath(r.id),
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastDeliveryAt: (r.last_delivery_at as Date | null) ?? null,
  }))
}

/** Soft delete: its orders and deliveries keep pointing at it; its webhooks answer 404 from now on. */
export async function deleteChannel(db: Db, actor: string, id: number) {
  return db.transaction().execute(async (tx) => {
    const row = await withChannelTables(tx)
      .updateTable('channels')
      .set({ deleted_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning(['id', 'name'])
      .executeTakeFirst()
    if (!row) throw new ApiError(404, 'not_found', `Channel ${id} does not exist or is deleted already.`)
    await audit(tx, actor, 'channel.deleted', `channel:${id}`, { name: row.name })
    return { id, deleted: true }
  })
}
