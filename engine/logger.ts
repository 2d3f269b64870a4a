import pino from 'pino'

/** JSON logs to stderr; `LOG_LEVEL` sets the level (Default: info; tests: warn). */
export function createLogger(name = 'orderflow') {
  return pino({ name, level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') }, pino.destination(2))
}
