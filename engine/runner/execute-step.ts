import { sql } from 'kysely'
import { getNodeType } from '../../nodes/index.ts'
import type { Db, Tx } from '../db.ts'
import { faultPoint } from '../faults.ts'
import { ERROR_PORT } from '../graph.ts'
import type { NodeContext, NodeResult } from '../node-contract.ts'
import { portsOf } from '../node-contract.ts'
import type { Order } from '../orders/order-model.ts'
import type { RunnerDeps } from './deps.ts'
import { type CompiledFlow, loadFlowVersion, nextEdges, parsedConfig } from './flow-cache.ts'
import { enqueueStep, enqueueSteps, enqueueWake, jobPriority } from './jobs.ts'
import { commitJob, JobWrites } from './job-writes.ts'
import { type Head, loadHead } from './load-head.ts'
import { nodeContext } from './node-context.ts'
import { classify, retryDelayMs } from './retry-policy.ts'
import { StepBuffer, type StepRow } from './step-buffer.ts'
import { findWake } from './wake.ts'

interface WorkItem {
  step: StepRow
  wake?: NodeContext['wake']
}

/**
 * One job: run a pending step, or look at a waiting step again (`wake`). Steps that follow
 * without a wait run in the same transaction, each recorded as its own row with its own timings.
 *
 * A job first runs its chain without savepoints (they cost a round trip per step). If a step that
 * writes throws, the whole transaction rolls back and the job runs again carefully: each step in
 * its own savepoint, so the failing step rolls back alone and its error is handled (retry, error
 * port or failed run). Outside calls are keyed by step visit, so running them twice is harmless.
 */
export async function executeStepJob(
  db: Db,
  deps: RunnerDeps,
  stepId: number,
  mode: 'run' | 'wake',
): Promise<void> {
  try {
    await runJob(db, deps, stepId, mode, false)
  } catch (error) {
    if (!(error instanceof StepThrew)) throw error
    await runJob(db, deps, stepId, mode, true)
  }
  faultPoint('after-step-commit')
}

/** A step threw in a chain running without savepoints: roll it all back, run it carefully. */
class StepThrew extends Error {}

async function runJob(db: Db, deps: RunnerDeps, stepId: number, mode: 'run' | 'wake', careful: boolean) {
  await db.transaction().execute(async (tx) => {
    await runJobIn(tx, deps, stepId, mode, careful)
    faultPoint('before-step-commit')
  })
}

/**
 * A job's work inside the caller's transaction, without committing. `onHead` sees the locked
 * head before anything is written (a batch refuses a second job of an order it already runs).
 */
export async function runJobIn(
  tx: Tx,
  deps: RunnerDeps,
  stepId: number,
  mode: 'run' | 'wake',
  careful: boolean,
  onHead?: (head: Head) => void,
): Promise<void> {
  const head = await loadHead(tx, stepId)
  if (head) onHead?.(head)
  if (!head || !['running', 'waiting'].includes(head.run.status)) return
  const { step, run, order } = head
  const flow = await loadFlowVersion(tx, run.flowId, run.flowVersion)
  const writes = new JobWrites(head.openEvents)
  let first: WorkItem
  if (mode === 'run') {
    if (step.status !== 'pending') return // a duplicate job after a crash: the step already ran
    first = { step }
  } else {
    if (step.status !== 'waiting') return // the other of event/deadline already won
    const wake = findWake(writes, step.wait_events ?? [], step.wait_until, step.id, deps.clock)
    if (!wake) {
      // the event went to another wait; keep the deadline armed
      if (step.wait_until) await enqueueWake(tx, step.id, { runAt: step.wait_until })
      return
    }
    first = { step, wake }
  }
  const steps = new StepBuffer(tx, run.id, head.visits, head.freeStepIds)
  steps.track(step)
  const chain = new Chain(
    tx,
    deps,
    flow,
    steps,
    writes,
    { careful, templatesStamp: head.templatesStamp },
    run.id,
    run.flowId,
    run.flowVersion,
    order,
  )
  await chain.execute(first)
  const all = steps.all()
  await commitJob(tx, {
    runId: run.id,
    jobStepIds: all.map((r) => r.id),
    steps: steps.dirty(),
    jobStepStatuses: all.map((r) => r.status),
    order: chain.order,
    orderChanged: chain.orderChanged,
    failure: chain.failure,
    writes,
  })
}

class Chain {
  failure: string | undefined
  orderChanged = false
  private savepointOpen = false
  constructor(
    private tx: Tx,
    private deps: RunnerDeps,
    private flow: CompiledFlow,
    private steps: StepBuffer,
    private writes: JobWrites,
    private mode: { careful: boolean; templatesStamp: string },
    private runId: number,
    private flowId: string,
    private flowVersion: number,
    public order: Order,
  ) {}

  async execute(first: WorkItem) {
    const queue: WorkItem[] = [first]
    const later: number[] = []
    let executed = 0
    while (queue.length > 0) {
      const item = queue.shift()!
      if (executed >= this.deps.maxChain || this.failure) {
        later.push(item.step.id)
        continue
      }
      executed++
      for (const step of await this.executeOne(item)) queue.push({ step })
    }
    await enqueueSteps(this.tx, later, jobPriority(this.order.attributes))
  }

  /** Runs one step; returns the pending steps it created. */
  private async executeOne({ step, wake: firstWake }: WorkItem): Promise<StepRow[]> {
    const now = () => this.deps.clock.now()
    const node = this.flow.nodes.get(step.node_id)
    const def = node && getNodeType(node.type)
    const attempt = firstWake ? step.attempt : step.attempt + 1
    const startedAt = step.started_at ?? now()
    if (!node || !def)
      return this.fail(
        step,
        attempt,
        startedAt,
        new Error(`node "${step.node_id}" is missing from the flow or its type is unknown`),
        true,
      )
    const parsed = parsedConfig(this.flow, node)
    if (!parsed.success) return this.fail(step, attempt, startedAt, new Error(`invalid config: ${parsed.message}`), true)

    let state = (step.state as Record<string, unknown> | null) ?? {}
    let wake = firstWake
    let result: NodeResult
    const ref = {
      id: step.id,
      runId: this.runId,
      nodeId: step.node_id,
      visit: step.visit,
      attempt,
      flowId: this.flowId,
      flowVersion: this.flowVersion,
    }
    const before = {
      status: this.order.status,
      attributes: this.order.attributes,
      tags: this.order.tags,
      changed: this.orderChanged,
    }
    // Careful mode puts each step that writes in a savepoint. Nodes that write nothing need none:
    // what the runner keeps for them (emails, consumed events) is in memory, dropped on failure.
    const savepoint = this.mode.careful && !def.writesNothing
    if (savepoint) {
      // one round trip: the previous step's savepoint is kept by releasing it, this step's opens
      await sql
        .raw(
          this.savepointOpen
            ? 'release savepoint orderflow_step; savepoint orderflow_step'
            : 'savepoint orderflow_step',
        )
        .execute(this.tx)
      this.savepointOpen = true
    }
    try {
      for (let round = 0; ; round++) {
        const job = { writes: this.writes, templatesStamp: this.mode.templatesStamp }
        const ctx = nodeContext(
          this.tx,
          this.deps,
          ref,
          this.order,
          wake,
          state,
          () => (this.orderChanged = true),
          job,
        )
        if (def.writesNothing)
          ctx.sendEmail = async () => {
            throw new Error(
              `node type "${def.type}" is marked writesNothing but sent an email; remove the flag`,
            )
          }
        result = await def.run(parsed.data, ctx)
        if (!('wait' in result)) break
        state = result.state ?? state
        // an event that arrived before the run got here, or a deadline already past, ends the wait now
        const immediate = findWake(
          this.writes,
          result.wait.events ?? [],
          result.wait.until ?? null,
          step.id,
          this.deps.clock,
        )
        if (!immediate || round > 20) break
        wake = immediate
      }
    } catch (error) {
      // a step that may have written, without a savepoint to go back to: start the job again carefully
      if (!def.writesNothing && !this.mode.careful)
        throw new StepThrew(`step ${step.id} threw; running the job again with savepoints`, { cause: error })
      if (savepoint) await sql.raw('rollback to savepoint orderflow_step').execute(this.tx)
      this.writes.dropStep(step.id)
      // drop the in-memory order changes of the failed try, as the rollback dropped its writes
      Object.assign(this.order, { status: before.status, attributes: before.attributes, tags: before.tags })
      this.orderChanged = before.changed
      return this.fail(step, attempt, startedAt, error, false, firstWake !== undefined)
    }

    if ('wait' in result) {
      this.steps.update(step.id, {
        status: 'waiting',
        attempt,
        started_at: startedAt,
        waiting_since: step.waiting_since ?? now(),
        wait_events: result.wait.events ?? [],
        wait_until: result.wait.until ?? null,
        state,
        error: null,
      })
      if (result.wait.until)
        await enqueueWake(this.tx, step.id, {
          runAt: result.wait.until,
          priority: jobPriority(this.order.attributes),
        })
      return []
    }
    const port = 'port' in result ? result.port : null
    if (port !== null && !portsOf(def, node.config).includes(port)) {
      return this.fail(
        step,
        attempt,
        startedAt,
        new Error(`the node returned output "${port}", which it does not declare`),
        true,
      )
    }
    this.steps.update(step.id, {
      status: 'completed',
      attempt,
      port,
      output: result.output ?? {},
      error: null,
      started_at: startedAt,
      finished_at: now(),
      wait_events: null,
      wait_until: null,
    })
    return port === null ? [] : this.follow(step.node_id, port)
  }

  private async follow(nodeId: string, port: string): Promise<StepRow[]> {
    const created: StepRow[] = []
    for (const t of this.targets(nodeId, port)) created.push(await this.steps.create(t.nodeId, t.nodeType))
    return created
  }

  private targets(nodeId: string, port: string) {
    const seen = new Map<string, string>()
    for (const edge of nextEdges(this.flow, nodeId, port))
      seen.set(edge.target, this.flow.nodes.get(edge.target)!.type)
    return [...seen].map(([id, type]) => ({ nodeId: id, nodeType: type }))
  }

  private async fail(
    step: StepRow,
    attempt: number,
    startedAt: Date,
    error: unknown,
    permanent: boolean,
    waiting = false,
  ): Promise<StepRow[]> {
    const message = error instanceof Error ? error.message : String(error)
    const kind = permanent ? 'permanent' : classify(error, attempt, this.deps.maxAttempts)
    const priority = jobPriority(this.order.attributes)
    if (kind === 'transient') {
      const runAt = new Date(Date.now() + retryDelayMs(error, attempt, this.deps.retryBaseMs))
      this.deps.log.warn(
        { stepId: step.id, nodeId: step.node_id, attempt, err: message },
        'step failed; retrying',
      )
      this.steps.update(step.id, { attempt, error: message, started_at: startedAt })
      // a waiting step keeps waiting and is looked at again; a pending one runs again
      if (waiting) await enqueueWake(this.tx, step.id, { runAt, priority })
      else await enqueueStep(this.tx, step.id, { runAt, priority })
      return []
    }
    this.deps.log.error(
      { stepId: step.id, nodeId: step.node_id, attempt, err: message },
      'step failed permanently',
    )
    const next = this.targets(step.node_id, ERROR_PORT)
    if (next.length === 0) this.failure = `Node "${step.node_id}" failed: ${message}`
    this.steps.update(step.id, {
      status: 'failed',
      attempt,
      port: next.length > 0 ? ERROR_PORT : null,
      output: { error: message },
      error: message,
      started_at: startedAt,
      finished_at: this.deps.clock.now(),
    })
    return next.length > 0 ? this.follow(step.node_id, ERROR_PORT) : []
  }
}
