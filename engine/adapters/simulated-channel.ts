import type { Executor } from '../db.ts'
import type { ChannelAdapter } from './types.ts'

/**
 * Stands in for the sales channels' fulfilment APIs: records each "shipped" update in
 * `simulated_channel_updates` (outside the step's transaction, as a remote call would be).
 * Without a database it records in memory.
 */
export class SimulatedChannel implements ChannelAdapter {
  readonly updates: { channel: string; externalId: string; trackingNumber: string }[] = []

  constructor(private readonly db?: Executor) {}

  async markShipped(req: { channel: string; externalId: string; trackingNumber: string }): Promise<void> {
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
    await this.db
      .insertInto('simulated_channel_updates')
      .values({ channel: req.channel, external_id: req.externalId, tracking_number: req.trackingNumber })
      .onConflict((oc) => oc.columns(['channel', 'external_id', 'tracking_number']).doNothing())
      .execute()
  }
}
