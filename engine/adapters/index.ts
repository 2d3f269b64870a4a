import type { Executor } from '../db.ts'
import type { NodeServices } from '../node-contract.ts'
import { SimulatedCarrier } from './simulated-carrier.ts'
import { SimulatedChannel } from './simulated-channel.ts'
import { SimulatedPaymentProvider } from './simulated-payment.ts'

export type * from './types.ts'
export { SimulatedCarrier } from './simulated-carrier.ts'
export { SimulatedChannel } from './simulated-channel.ts'
export { SimulatedPaymentProvider, TEST_CARDS } from './simulated-payment.ts'

/**
 * The outside world the nodes talk to (payment, carrier, sales channel), simulated by default.
 * Pass the pool (not a transaction): the simulated provider's ledger must outlive a rolled-back
 * step, as a real provider's would. Without a database the ledgers live in memory.
 */
export function defaultServices(db?: Executor): NodeServices {
  return {
    payment: new SimulatedPaymentProvider(db),
    carrier: new SimulatedCarrier(),
    channel: new SimulatedChannel(db),
  }
}
