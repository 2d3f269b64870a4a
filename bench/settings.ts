/** The worker settings the engine runs with (engine/worker.ts defaults), shared by floor and engine parts. */
export const ENGINE_WORKER_SETTINGS = { concurrency: 16, pollInterval: 1000 }
