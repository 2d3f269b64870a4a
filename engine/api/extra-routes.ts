import type { Hono } from 'hono'
import type { Db } from '../db.ts'
import type { Env } from './guard.ts'

/** Route groups of the order-process and email layers, with their role guards. */
export function mountExtraRoutes(app: Hono<Env>, deps: { db: Db }) {
  void app
  void deps
}
