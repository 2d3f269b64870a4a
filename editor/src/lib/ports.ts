import type { NodeTypeInfo } from './api-types.ts'

/** Every node may route permanent failures through this port when it is drawn. */
export const ERROR_PORT = 'error'

/**
 * The output ports of a node with this config, `error` not included: `config[portsFromConfig]`
 * (when it is an array of strings) first, then the type's fixed ports. Same rule as the engine's
 * `portsOf` in engine/node-contract.ts.
 */
export function portsOf(def: NodeTypeInfo | undefined, config: Record<string, unknown>): string[] {
  if (!def) return []
  const dynamic = def.portsFromConfig ? config[def.portsFromConfig] : undefined
  const extra = Array.isArray(dynamic) ? dynamic.filter((p): p is string => typeof p === 'string' && p !== '') : []
  return [...new Set([...extra, ...def.ports])]
}
