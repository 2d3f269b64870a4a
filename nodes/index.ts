import type { NodeDefinition } from '../engine/node-contract.ts'
import { awaitDelivery } from './await-delivery.ts'
import { checkStock } from './check-stock.ts'
import { decision } from './decision.ts'
import { end } from './end.ts'
import { followUp } from './follow-up.ts'
import { pack } from './pack.ts'
import { pay } from './pay.ts'
import { pick } from './pick.ts'
import { receive } from './receive.ts'
import { returnNode } from './return.ts'
import { sendEmail } from './send-email.ts'
import { set } from './set.ts'
import { ship } from './ship.ts'
import { wait } from './wait.ts'

/** The registry: adding a node type = one file in nodes/ and one line here. */
export const nodeTypes: NodeDefinition[] = [
  receive,
  decision,
  set,
  wait,
  sendEmail,
  end,
  pay,
  checkStock,
  pick,
  pack,
  ship,
  awaitDelivery,
  followUp,
  returnNode,
] as NodeDefinition[]

const byType = new Map(nodeTypes.map((d) => [d.type, d]))

/** For plugins and tests: adds a node type at run time (the type must be new). */
export function registerNodeType(def: NodeDefinition) {
  if (byType.has(def.type)) throw new Error(`Node type "${def.type}" is registered already.`)
  byType.set(def.type, def)
  nodeTypes.push(def)
}

export function getNodeType(type: string): NodeDefinition | undefined {
  return byType.get(type)
}
