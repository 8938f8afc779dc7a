/** Container starts a worker runs at once unless told otherwise. */
export const DEFAULT_START_CONCURRENCY = 32;

/**
 * Paces container starts: at most `concurrency` run at once, the rest wait their turn in the
 * order they came. The cap keeps a burst of thousands from opening as many engine calls at once;
 * below it, on the 2-core Docker 20.10 machines the project measures on, more at once finished
 * a batch no later and mostly sooner. Eight at a time kept two of a failed node's ten tasks
 * waiting (the `failover` and `ha` benchmarks) and made a 50-replica scale take x1.38 of Swarm's,
 * whose agent starts all fifty (the `service` benchmark); four at a time was the slowest of all
 * on a busy machine. Thirty-two starts a failed node's tasks together and keeps the first of a
 * larger batch running within about a start's time (fifty at once put the first one later).
 * bench/README.md (`burst`, `failover`, `service`) has the figures; the team's slower reference
 * machine found twenty at once slower than four (docker-swarm-2026-11), so
 * `poseidon worker --start-concurrency` sets it per worker.
 */
export class StartPacer {
  #active = 0;
  readonly #waiting: Array<{ go: () => void }> = [];

  constructor(readonly concurrency = DEFAULT_START_CONCURRENCY) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`start concurrency is ${concurrency}; use a whole number of at least 1`);
  }

  /** Starts running now (not waiting for a turn). */
  get active(): number {
    return this.#active;
  }

  /** Starts waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `start` when a turn is free and frees the turn when it settles. An abort of any of
   * `signals` while waiting leaves the line and rejects with that signal's reason; `start` never
   * runs then. (Several signals rather than one AbortSignal.any: that costs a start more than
   * the rest of its bookkeeping, and its listeners live until collected.)
   */
  async run<T>(start: () => Promise<T>, ...signals: AbortSignal[]): Promise<T> {
    await this.#turn(signals);
    try {
      return await start();
    } finally {
      this.#release();
    }
  }

  #turn(signals: readonly AbortSignal[]): Promise<void> {
    for (const signal of signals) signal.throwIfAborted();
    if (this.#active < this.concurrency) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const stopListening = (): void => {
        for (const [signal, onAbort] of listeners) signal.removeEventListener('abort', onAbort);
      };
      const listeners = signals.map((signal): [AbortSignal, () => void] => [
        signal,
        () => {
          stopListening();
          const at = this.#waiting.indexOf(entry);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal.reason);
        },
      ]);
      // the turn is handed over by #release, already counted as active
      const entry = {
        go: (): void => {
          stopListening();
          resolve();
        },
      };
      this.#waiting.push(entry);
      for (const [signal, onAbort] of listeners) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#active -= 1;
    else next.go(); // the turn passes straight on: #active stays the same
  }
}
