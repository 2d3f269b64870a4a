/**
 * Serves the calls made in one turn of the event loop with one call of `run`, the way a
 * provider's bulk API would be used. The simulated outside world (simulated-payment.ts,
 * simulated-channel.ts) writes its ledgers with it: a worker running a batch of jobs makes ~100
 * such calls at once, and one statement for all of them costs the machine one round trip and one
 * commit instead of a hundred (the real providers it stands for cost the machine nothing).
 *
 * `run` answers each request in order. If it throws for several requests, each is run again
 * alone, so that one bad request fails only its own call.
 */
export class Coalescer<Req, Res> {
  #pending: { req: Req; resolve: (res: Res) => void; reject: (error: unknown) => void }[] = []
  /** calls of `run` so far (for tests) */
  runs = 0

  constructor(private readonly run: (requests: Req[]) => Promise<Res[]>) {}

  call(req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ req, resolve, reject })
      if (this.#pending.length === 1) setImmediate(() => void this.#flush())
    })
  }

  async #flush() {
    const calls = this.#pending
    this.#pending = []
    try {
      const answers = await this.#run(calls.map((c) => c.req))
      for (const [i, c] of calls.entries()) c.resolve(answers[i]!)
    } catch (error) {
      if (calls.length === 1) return calls[0]!.reject(error)
      await Promise.all(calls.map((c) => this.#run([c.req]).then(([answer]) => c.resolve(answer!), c.reject)))
    }
  }

  #run(requests: Req[]) {
    this.runs++
    return this.run(requests)
  }
}
