import type { Hono } from 'hono'
import type { Db } from '../db.ts'
import { auditRoutes } from './audit.ts'
import { channelRoutes } from './channels.ts'
import type { Env } from './guard.ts'
import { metricsRoutes } from './metrics.ts'
import { productRoutes } from './products.ts'
import { simulationRoutes } from './simulations.ts'
import { templateRoutes } from './templates.ts'
import { warehouseRoutes } from './warehouse.ts'

/** Route groups of the order-process and email layers (each guards its own routes). */
export function mountExtraRoutes(app: Hono<Env>, deps: { db: Db; dbUrl?: string }) {
  app.route('/api/templates', templateRoutes(deps))
  app.route('/api/channels', channelRoutes(deps))
  app.route('/api/audit', auditRoutes(deps))
  app.route('/api', metricsRoutes(deps))
  app.route('/api/simulations', simulationRoutes(deps))
  // these two use full paths (/api/products, /api/pick-lists, ...)
  app.route('/', productRoutes(deps))
  app.route('/', warehouseRoutes(deps))
}
