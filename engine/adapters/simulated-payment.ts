import crypto from 'node:crypto'
import { sql } from 'kysely'
import type { Executor } from '../db.ts'
import { RetryLater } from '../errors.ts'
import { toCents } from '../warehouse/money.ts'
import { Coalescer } from './coalesce.ts'
import type { CaptureRequest, CaptureResult, PaymentAdapter, RefundRequest, RefundResult } from './types.ts'

/** Test card numbers, after the well-known provider test cards. */
export const TEST_CARDS = {
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  /** the provider times out once per idempotency key, then answers */
  timeout: '4000000000000119',
} as const

type LedgerRow = {
  key: string
  kind: 'capture' | 'refund'
  order_id: number | null
  amount: string
  currency: string
  status: 'captured' | 'failed' | 'refunded' | 'timed_out'
  ref: string
  charge_ref: string | null
  reason: string | null
}

const refFor = (prefix: string, key: string) =>
  `${prefix}_${crypto.createHash('sha256').update(key).digest('hex').slice(0, 20)}`

/**
 * A payment provider simulated faithfully enough to test against: the outcome follows the order's
 * card (see TEST_CARDS; "timeout" works too), and it is idempotent by key. Its ledger lives in
 * `simulated_provider_charges`, written on its own connection, never in the step's transaction,
 * like a real provider's: a step that crashes after capturing finds the charge on retry.
 * Without a database it keeps the ledger in memory (one process only).
 */
export class SimulatedPaymentProvider implements PaymentAdapter {
  readonly name = 'simulated'
  private readonly memory = new Map<string, LedgerRow>()
  /** the writes of one turn of the event loop go in one statement (see coalesce.ts) */
  readonly writes = new Coalescer<LedgerRow, LedgerRow>((rows) => this.saveAll(rows))

  constructor(private readonly db?: Executor) {}

  async capture(req: CaptureRequest): Promise<CaptureResult> {
    toCents(req.amount) // refuses a non-decimal amount before anything is recorded
    const card = String(req.payment.card ?? req.payment.number ?? '')
    const base = {
      key: req.key,
      kind: 'capture' as const,
      order_id: req.orderId,
      amount: req.amount,
      currency: req.currency,
      charge_ref: null,
    }
    if (card === TEST_CARDS.timeout || card === 'timeout') {
      const previous = await this.find(req.key)
      if (previous && previous.status !== 'timed_out') return asCapture(previous)
      if (!previous) {
        await this.save({ ...base, status: 'timed_out', ref: refFor('ch', req.key), reason: 'timeout' })
        throw new RetryLater(
          'The payment provider timed out; the capture will be retried with the same key.',
          {
            delayMs: 1000,
          },
        )
      }
    }
    // no look-up first: save() keeps the first answer for a key, so a retry gets the stored one
    const reason =
      card === TEST_CARDS.declined
        ? 'card_declined'
        : card === TEST_CARDS.insufficientFunds
          ? 'insufficient_funds'
          : undefined
    const row = await this.save({
      ...base,
      status: reason ? 'failed' : 'captured',
      ref: refFor('ch', req.key),
      reason: reason ?? null,
    })
    return asCapture(row)
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    const previous = await this.find(req.key)
    if (previous) return asRefund(previous)
    const base = {
      key: req.key,
      kind: 'refund' as const,
      order_id: null,
      amount: req.amount,
      currency: req.currency,
      charge_ref: req.paymentRef,
      ref: refFor('re', req.key),
    }
    const charge = await this.findByRef(req.paymentRef)
    let reason: string | null = null
    if (charge?.status !== 'captured') reason = 'unknown_charge'
    else if (charge.currency !== req.currency) reason = 'currency_mismatch'
    else {
      const refunded = (await this.refundsOf(req.paymentRef)).reduce((s, r) => s + toCents(r.amount), 0n)
      if (refunded + toCents(req.amount) > toCents(charge.amount)) reason = 'exceeds_captured_amount'
    }
    return asRefund(
      await this.save({
        ...base,
        order_id: charge?.order_id ?? null,
        status: reason ? 'failed' : 'refunded',
        reason,
      }),
    )
  }

  private async find(key: string): Promise<LedgerRow | undefined> {
    if (!this.db) return this.memory.get(key)
    return this.db
      .selectFrom('simulated_provider_charges')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst()
  }

  private async findByRef(ref: string): Promise<LedgerRow | undefined> {
    if (!this.db) return [...this.memory.values()].find((r) => r.kind === 'capture' && r.ref === ref)
    return this.db
      .selectFrom('simulated_provider_charges')
      .selectAll()
      .where('kind', '=', 'capture')
      .where('ref', '=', ref)
      .executeTakeFirst()
  }

  private async refundsOf(chargeRef: string): Promise<LedgerRow[]> {
    if (!this.db)
      return [...this.memory.values()].filter((r) => r.charge_ref === chargeRef && r.status === 'refunded')
    return this.db
      .selectFrom('simulated_provider_charges')
      .selectAll()
      .where('charge_ref', '=', chargeRef)
      .where('status', '=', 'refunded')
      .execute()
  }

  /** First write wins, except over a timed-out attempt: a racing duplicate gets the stored row. */
  private async save(row: LedgerRow): Promise<LedgerRow> {
    if (!this.db) {
      const existing = this.memory.get(row.key)
      if (existing && existing.status !== 'timed_out') return existing
      this.memory.set(row.key, row)
      return row
    }
    return this.writes.call(row)
  }

  /** save() for many rows in one statement; of two rows with one key the first is written. */
  private async saveAll(rows: LedgerRow[]): Promise<LedgerRow[]> {
    const db = this.db!
    const first = new Map<string, LedgerRow>()
    for (const row of rows) if (!first.has(row.key)) first.set(row.key, row)
    const written = await sql<LedgerRow>`
      insert into simulated_provider_charges (key, kind, order_id, amount, currency, status, ref, charge_ref, reason)
      select key, kind, order_id, amount, currency, status, ref, charge_ref, reason
      from jsonb_to_recordset(${JSON.stringify([...first.values()])}::jsonb) as t(key text, kind text,
        order_id bigint, amount numeric, currency text, status text, ref text, charge_ref text, reason text)
      on conflict (key) do update set status = excluded.status, reason = excluded.reason
        where simulated_provider_charges.status = 'timed_out'
      returning key, kind, order_id, amount, currency, status, ref, charge_ref, reason`.execute(db)
    const stored = new Map(written.rows.map((r) => [r.key, r]))
    // keys that were already there: their first answer stands
    const kept = [...first.keys()].filter((key) => !stored.has(key))
    if (kept.length)
      for (const r of await db
        .selectFrom('simulated_provider_charges')
        .selectAll()
        .where('key', 'in', kept)
        .execute())
        stored.set(r.key, r as LedgerRow)
    return rows.map((row) => stored.get(row.key)!)
  }
}

const asCapture = (r: LedgerRow): CaptureResult => ({
  status: r.status === 'captured' ? 'captured' : 'failed',
  ref: r.ref,
  ...(r.reason && r.status !== 'captured' ? { reason: r.reason } : {}),
})
const asRefund = (r: LedgerRow): RefundResult => ({
  status: r.status === 'refunded' ? 'refunded' : 'failed',
  ref: r.ref,
  ...(r.reason && r.status !== 'refunded' ? { reason: r.reason } : {}),
})
