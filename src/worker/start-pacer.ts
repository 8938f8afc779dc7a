/** Container starts a worker runs at once unless told otherwise. */
export const DEFAULT_START_CONCURRENCY = 8;

/**
 * Paces container starts: at most `concurrency` run at once, the rest wait their turn in the
 * order they came. A small machine starts containers no faster when asked for many at once:
 * on the team's 2-core reference machine twenty at once took 9.1 s against 7.6 s four at a
 * time (docker-swarm-2026-11), and each container's own start went from 1.5 s to 8 s. But
 * four is too few when the engine competes with other work for the cpu: here, fifty starts
 * eight at a time beat four at a time in each of four rounds (6.0-6.9 s against 6.4-7.7 s),
 * and all fifty at once beat four when the machine was busy. Eight keeps each start's wait
 * bounded and the engine busy. Paced, the first tasks run within about one start time and the
 * rest follow at the engine's pace (bench/burst.ts measures both against the Engine API);
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
