import { z } from 'zod'
import type { ReturnCondition } from '../engine/db-types.ts'
import { defineNode, type NodeContext } from '../engine/node-contract.ts'
import { adjustStock } from '../engine/warehouse/adjust-stock.ts'
import { fromCents, toCents } from '../engine/warehouse/money.ts'
import { notifyRestocked } from '../engine/warehouse/notify.ts'
import { refundOrder } from '../engine/warehouse/refund-order.ts'
import { checkReturnRequest, type ReturnLine } from '../engine/warehouse/return-policy.ts'

const DAY = 86_400_000

const config = z.object({
  windowDays: z
    .number()
    .min(0)
    .max(365)
    .default(30)
    .describe('Days after delivery a return may be requested'),
  reasons: z
    .array(z.string().regex(/^[a-z][a-z_]*$/, 'a reason code such as "wrong_item"'))
    .min(1)
    .default(['damaged', 'wrong_item', 'not_as_described', 'changed_mind'])
    .describe('Reason codes customers can choose'),
  faultReasons: z
    .array(z.string())
    .default(['damaged', 'wrong_item', 'not_as_described'])
    .describe('Our fault: always a full refund, whatever the condition'),
  receiveDays: z.number().min(0).max(90).default(21).describe('Days for an approved return to arrive'),
  refundPercent: z
    .object({
      resellable: z.number().min(0).max(100),
      opened: z.number().min(0).max(100),
      damaged: z.number().min(0).max(100),
    })
    .default({ resellable: 100, opened: 90, damaged: 50 })
    .describe('Refund share by condition on arrival, for returns that are not our fault'),
})

/**
 * The return window after delivery. `return_requested` `{ lines: [{ sku, quantity }], reason,
 * comment? }` is checked against the policy (window, reason codes, what was bought); an approved
 * return waits for `return_received` `{ condition: resellable | opened | damaged }`, goes back to
 * stock when resellable (else is written off), is refunded through the payment adapter, and the
 * customer hears at each step. The request date is the event's (`requestedAt` in its data, else
 * when it was posted), so a late wake-up never rejects a timely request.
 */
export const returnNode = defineNode({
  type: 'return',
  title: 'Returns',
  description: 'Opens the return window; approves or rejects requests, receives, restocks and refunds.',
  category: 'After sale',
  icon: 'undo-2',
  ports: ['refunded', 'rejected', 'noReturn'],
  waits: true,
  config,
  async run(cfg, ctx) {
    const phase = ctx.state.phase
    const event = ctx.wake?.event
    if (phase === 'approved') {
      const returnId = Number(ctx.state.returnId)
      if (event?.type === 'return_received') return receive(cfg, ctx, returnId, event.data)
      if (ctx.wake?.timedOut)
        return reject(ctx, returnId, `the return did not arrive within ${cfg.receiveDays} days`)
      return {
        wait: { events: ['return_received'], until: new Date(String(ctx.state.until)) },
        state: ctx.state,
      }
    }
    const delivered =
      typeof ctx.order.attributes.deliveredAt === 'string'
        ? new Date(ctx.order.attributes.deliveredAt)
        : ctx.clock.now()
    const windowEnd = new Date(delivered.getTime() + cfg.windowDays * DAY)
    if (!event) {
      if (ctx.wake?.timedOut) return { port: 'noReturn', output: { windowEnd: windowEnd.toISOString() } }
      return { wait: { events: ['return_requested'], until: windowEnd }, state: { phase: 'window' } }
    }
    const requestedAt =
      typeof event.data.requestedAt === 'string' ? new Date(event.data.requestedAt) : event.createdAt
    const returned = await ctx.tx
      .selectFrom('returns')
      .select('lines')
      .where('order_id', '=', ctx.order.id)
      .where('status', 'in', ['approved', 'received', 'refunded'])
      .execute()
    const check = checkReturnRequest(event.data, {
      order: ctx.order,
      requestedAt,
      windowEnd,
      reasons: cfg.reasons,
      alreadyReturned: returned.flatMap((r) => r.lines),
    })
    const row = await ctx.tx
      .insertInto('returns')
      .values({
        order_id: ctx.order.id,
        lines: JSON.stringify(check.lines),
        reason: check.reason,
        comment: check.comment,
        status: check.ok ? 'approved' : 'rejected',
        rejection_reason: check.ok ? null : check.problem,
        requested_at: requestedAt,
        decided_at: ctx.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (!check.ok) return reject(ctx, row.id, check.problem, true)
    const until = new Date(ctx.clock.now().getTime() + cfg.receiveDays * DAY)
    await ctx.sendEmail('return-approved', {
      data: {
        returnId: row.id,
        reason: check.reason,
        returnLines: check.lines,
        returnBy: until.toISOString(),
      },
    })
    await ctx.setStatus('return_approved')
    return {
      wait: { events: ['return_received'], until },
      state: { phase: 'approved', returnId: row.id, until: until.toISOString() },
    }
  },
})

async function reject(ctx: NodeContext, returnId: number, reason: string, recorded = false) {
  if (!recorded) {
    await ctx.tx
      .updateTable('returns')
      .set({ status: 'rejected', rejection_reason: reason, decided_at: ctx.clock.now() })
      .where('id', '=', returnId)
      .execute()
  }
  await ctx.sendEmail('return-rejected', { data: { returnId, reason } })
  return { port: 'rejected', output: { returnId, reason } }
}

const CONDITIONS = ['resellable', 'opened', 'damaged'] as const

async function receive(
  cfg: z.output<typeof config>,
  ctx: NodeContext,
  returnId: number,
  data: Record<string, unknown>,
) {
  const condition: ReturnCondition = CONDITIONS.includes(data.condition as ReturnCondition)
    ? (data.condition as ReturnCondition)
    : 'opened'
  const ret = await ctx.tx
    .selectFrom('returns')
    .selectAll()
    .where('id', '=', returnId)
    .executeTakeFirstOrThrow()
  const lines = ret.lines as ReturnLine[]
  const restocked: ReturnLine[] = []
  if (condition === 'resellable') {
    for (const l of lines) {
      const adj = await adjustStock(ctx.tx, l.sku, { delta: l.quantity })
      await notifyRestocked(ctx.tx, adj.backorderedOrders, l.sku, adj.after.available)
      restocked.push(l)
    }
  }
  const value = lines.reduce((sum, l) => {
    const line = ctx.order.lines.find((o) => o.sku === l.sku)
    return sum + toCents(line?.unitPrice ?? '0') * BigInt(l.quantity)
  }, 0n)
  const percent = cfg.faultReasons.includes(ret.reason) ? 100 : cfg.refundPercent[condition]
  const amount = fromCents((value * BigInt(Math.round(percent * 100))) / 10_000n)
  await ctx.tx
    .updateTable('returns')
    .set({ status: 'received', condition, received_at: ctx.clock.now() })
    .where('id', '=', returnId)
    .execute()
  const refund = await refundOrder(ctx.tx, ctx.services.payment, {
    orderId: ctx.order.id,
    key: `${ctx.step.key}:refund`,
    amount,
    returnId,
    reason: `return ${returnId}: ${ret.reason}`,
  })
  if (refund.status === 'failed')
    throw new Error(`The refund for return ${returnId} failed (${refund.reason}); it will be retried.`)
  await ctx.tx
    .updateTable('returns')
    .set({ status: 'refunded', refund_amount: refund.amount, refunded_at: ctx.clock.now() })
    .where('id', '=', returnId)
    .execute()
  await ctx.sendEmail('refund-issued', {
    data: { returnId, refund: { amount: refund.amount }, condition },
  })
  await ctx.setStatus('refunded')
  return {
    port: 'refunded',
    output: {
      returnId,
      condition,
      restocked,
      writtenOff: condition === 'resellable' ? [] : lines,
      refund: refund.amount,
    },
  }
}
