import type { Order } from '../orders/order-model.ts'

export interface ReturnLine {
  sku: string
  quantity: number
}

export type ReturnCheck =
  | { ok: true; lines: ReturnLine[]; reason: string; comment: string }
  | { ok: false; lines: ReturnLine[]; reason: string; comment: string; problem: string }

/**
 * Checks a return request against the policy: in the window, a known reason code, and only
 * units the customer bought and has not returned yet. Pure; the problem text goes to the
 * customer in the rejection email, so it says what was wrong in plain words.
 */
export function checkReturnRequest(
  data: Record<string, unknown>,
  policy: {
    order: Order
    requestedAt: Date
    windowEnd: Date
    reasons: readonly string[]
    alreadyReturned: readonly ReturnLine[]
  },
): ReturnCheck {
  const reason = typeof data.reason === 'string' ? data.reason : ''
  const comment = typeof data.comment === 'string' ? data.comment.slice(0, 2000) : ''
  const raw = Array.isArray(data.lines) ? data.lines : []
  const lines: ReturnLine[] = raw
    .filter(
      (l): l is { sku: string; quantity: number } =>
        typeof l?.sku === 'string' && Number.isInteger(l?.quantity) && l.quantity > 0,
    )
    .map((l) => ({ sku: l.sku, quantity: l.quantity }))
  const base = { lines, reason: reason || 'unspecified', comment }
  if (policy.requestedAt.getTime() > policy.windowEnd.getTime()) {
    return {
      ok: false,
      ...base,
      problem: `the return window closed on ${policy.windowEnd.toISOString().slice(0, 10)}`,
    }
  }
  if (!policy.reasons.includes(reason)) {
    return {
      ok: false,
      ...base,
      problem: `"${reason || '(none)'}" is not a return reason we accept (${policy.reasons.join(', ')})`,
    }
  }
  if (lines.length === 0 || lines.length !== raw.length) {
    return {
      ok: false,
      ...base,
      problem: 'the request lists no valid items (each needs a SKU and a whole quantity)',
    }
  }
  for (const l of lines) {
    const bought = policy.order.lines.filter((o) => o.sku === l.sku).reduce((n, o) => n + o.quantity, 0)
    const back = policy.alreadyReturned.filter((r) => r.sku === l.sku).reduce((n, r) => n + r.quantity, 0)
    const asked = lines.filter((x) => x.sku === l.sku).reduce((n, x) => n + x.quantity, 0)
    if (asked > bought - back) {
      return {
        ok: false,
        ...base,
        problem: `${l.sku}: ${asked} requested but only ${Math.max(0, bought - back)} can be returned`,
      }
    }
  }
  return { ok: true, ...base }
}
