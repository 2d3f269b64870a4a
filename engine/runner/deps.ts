import type { Logger } from 'pino'
import type { Clock, NodeServices } from '../node-contract.ts'
import type { RuleEngineCache } from '../rules.ts'

/** What the runner needs from its process; tests and simulation pass their own. */
export interface RunnerDeps {
  services: NodeServices
  rules: RuleEngineCache
  clock: Clock
  log: Logger
  /** Tries of a step before a transient error counts as permanent. (Default: 5) */
  maxAttempts: number
  /** First retry delay; doubles per attempt, capped at 5 minutes. (Default: 1000 ms) */
  retryBaseMs: number
  /** Steps that need no wait run in one job and one transaction, up to this many. (Default: 50) */
  maxChain: number
}
