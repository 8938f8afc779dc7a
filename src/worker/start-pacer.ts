/** Container starts a worker runs at once unless told otherwise. */
export const DEFAULT_START_CONCURRENCY = 32;

/**
 * Paces container starts: at most `concurrency` run at once, the rest wait their turn in the
 * order they came. The cap keeps a burst of thousands from opening as many engine calls at once.
 * Below it, on the project's 2-core Docker 20.10 machine when busy (2026-12-02, bench/README.md),
 * a batch's last container ran sooner with more at once: at eight, two of a failed node's ten
 * tasks waited a turn (`failover`: node Down → all Running, median 3.1 s against 2.8 s with all
 * ten at once), and fifty took 17.0 s against 15.6 s at 32 (`burst`; Swarm's agent starts all
 * fifty at once); four or one at a time was slowest. The price is the middle of a batch
 * (half of fifty ran later) and, with all fifty at once, the first one too, hence 32 rather than
 * more. The team's slower reference machine, quiet, started twenty at once slower than four
 * (docker-swarm-2026-11): `poseidon worker --start-concurrency` sets it per worker.
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
