import type { Role } from './api-types.ts'

/** What each role may do in the UI; mirrors the role column of docs/api.md (admin: everything). */
export interface Permissions {
  viewFlows: boolean
  editFlows: boolean
  validateFlows: boolean
  viewTemplates: boolean
  editTemplates: boolean
  viewOrders: boolean
  actOnOrders: boolean
  postEvents: boolean
  testRules: boolean
  /** per-node metrics on the canvas and the KPI dashboard */
  viewMetrics: boolean
  /** simulations of synthetic orders through a published version, from the flow screen */
  runSimulations: boolean
}

export function permissionsFor(role: Role): Permissions {
  const is = (...roles: Role[]) => role === 'admin' || roles.includes(role)
  return {
    viewFlows: is('operations', 'analyst', 'merchant'),
    editFlows: is('operations'),
    validateFlows: is('operations', 'analyst'),
    viewTemplates: is('merchant', 'operations'),
    editTemplates: is('merchant'),
    viewOrders: is('operations', 'analyst', 'warehouse', 'merchant'),
    actOnOrders: is('operations'),
    postEvents: is('operations', 'warehouse'),
    testRules: is('operations', 'analyst'),
    viewMetrics: is('operations', 'analyst'),
    runSimulations: is('operations', 'analyst'),
  }
}

/** Where a role lands after signing in (admins and operations: the default flow's canvas). */
export function landingFor(role: Role): 'flow' | 'templates' | 'orders' | 'flows' {
  if (role === 'admin' || role === 'operations') return 'flow'
  if (role === 'merchant') return 'templates'
  if (role === 'warehouse' || role === 'channel') return 'orders'
  return 'flows'
}
