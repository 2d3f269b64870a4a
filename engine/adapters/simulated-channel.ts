import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { Coalescer } from './coalesce.ts'
import type { ChannelAdapter } from './types.ts'

type Update = { channel: string; externalId: string; trackingNumber: string }

/**
 * Stands in for the sales channels' fulfilment APIs: records each "shipped" update in
 * `simulated_channel_updates` (outside the step's transaction, as a remote call would be).
 * Without a database it records in memory.
 */
export class SimulatedChannel implements ChannelAdapter {
  readonly updates: Update[] = []
  /** the updates of one turn of the event loop go in one statement (see coalesce.ts) */
  readonly writes = new Coalescer<Update, undefined>((updates) => this.recordAll(updates))

  constructor(private readonly db?: Executor) {}

  async markShipped(req: Update): Promise<void> {
    if (!this.db) {
      const dup = this.updates.some(
        (u) => u.externalId === req.externalId && u.trackingNumber === req.trackingNumber,
      )
      if (!dup)
        this.updates.push({
          channel: req.channel,
          externalId: req.externalId,
          trackingNumber: req.trackingNumber,
        })
      return
    }
    await this.writes.call(req)
  }

  private async recordAll(updates: Update[]): Promise<undefined[]> {
    await sql`
      insert into simulated_channel_updates (channel, external_id, tracking_number)
      select * from unnest(${updates.map((u) => u.channel)}::text[], ${updates.map((u) => u.externalId)}::text[],
        ${updates.map((u) => u.trackingNumber)}::text[])
      on conflict (channel, external_id, tracking_number) do nothing`.execute(this.db!)
    return updates.map(() => undefined)
  }
}
