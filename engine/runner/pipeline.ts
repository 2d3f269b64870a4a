import { Kysely, PostgresDialect, Transaction } from 'kysely'
import type pg from 'pg'
import type { Tx } from '../db.ts'
import type { Database } from '../db-types.ts'

/**
 * The statements of many jobs sharing one transaction on one pipelined client (node-postgres'
 * pipeline mode: a statement is sent without waiting for the answer to the one before).
 *
 * Kysely's own transaction sends a statement only once the one before has been answered, which
 * would undo the pipeline; `transaction()` returns a Kysely transaction object whose statements
 * go straight to the client. The first statement of a turn of the event loop corks the socket and
 * the end of the turn uncorks it: the statements issued in one turn leave in one write. (Holding
 * them back further while many are unanswered made no difference in the benchmark.)
 *
 * The socket is never corked again before a statement needs it: Node sends what a corked socket
 * holds only at uncork, so re-corking right away would strand whatever was queued behind a write
 * still leaving (a large one that does not fit the socket's buffer), with every job waiting.
 */
export class Pipeline {
  readonly #client: pg.PoolClient
  readonly #stream: { cork(): void; uncork(): void }
  #queued = 0
  #scheduled = false
  #open = false
  #corked = false
  /** writes and statements sent (for tests and the benchmark) */
  writes = 0
  statements = 0

  constructor(client: pg.PoolClient) {
    this.#client = client
    // biome-ignore lint/suspicious/noExplicitAny: pg's Connection is not in its public types
    this.#stream = (client as any).connection.stream
  }

  /** From now on statements leave once per turn of the event loop. */
  open() {
    this.#open = true
  }

  /** A Kysely transaction object whose statements go through this pipeline. */
  transaction(): Tx {
    const client = {
      query: (text: string, values: unknown[]) => this.#query(text, values),
      release() {},
    }
    const dialect = new PostgresDialect({
      pool: { connect: async () => client, end: async () => {} } as never,
    })
    const executor = new Kysely<Database>({ dialect }).getExecutor()
    return new Transaction<Database>({
      config: { dialect },
      driver: dialect.createDriver(),
      executor,
      dialect,
    } as never)
  }

  /** Sends what is queued and leaves the socket uncorked: the client is back to normal use. */
  close() {
    if (!this.#open) return
    this.#open = false
    this.#send()
  }

  #query(text: string, values: unknown[]) {
    if (!this.#open) return Promise.reject(new Error('the pipeline is closed; its batch has ended'))
    if (!this.#corked) {
      this.#stream.cork()
      this.#corked = true
    }
    this.#queued++
    this.#schedule()
    return this.#client.query(text, values)
  }

  #schedule() {
    if (this.#scheduled || this.#queued === 0 || !this.#open) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      if (this.#open) this.#send()
    })
  }

  #send() {
    if (this.#queued === 0) return
    this.statements += this.#queued
    this.writes++
    this.#queued = 0
    this.#corked = false
    this.#stream.uncork()
  }
}
