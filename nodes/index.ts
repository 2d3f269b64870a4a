import type { NodeDefinition } from '../engine/node-contract.ts'
import { decision } from './decision.ts'
import { end } from './end.ts'
import { receive } from './receive.ts'
import { sendEmail } from './send-email.ts'
import { set } from './set.ts'
import { wait } from './wait.ts'

/** The registry: adding a node type = one file in nodes/ and one line here. */
export const nodeTypes: readonly NodeDefinition[] = [receive, decision, set, wait, sendEmail, end] as NodeDefinition[]

const byType = new Map(nodeTypes.map((d) => [d.type, d]))

export function getNodeType(type: string): NodeDefinition | undefined {
  return byType.get(type)
}
