import { WORKER_DEFAULTS } from '../engine/worker.ts'

/** The worker settings the engine runs with (engine/worker.ts defaults), shared by floor and engine parts. */
export const ENGINE_WORKER_SETTINGS = WORKER_DEFAULTS

/** Connections of the benchmark's own pool: the worker's graphile queries, adapters and lone jobs. */
export const ENGINE_POOL_SIZE = 40
