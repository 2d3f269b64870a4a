import type { NodeServices } from '../node-contract.ts'

/** The outside world the nodes talk to (payment, carrier, sales channel); simulated by default. */
export function defaultServices(): NodeServices {
  return {}
}
