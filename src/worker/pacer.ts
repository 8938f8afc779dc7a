/**
 * At most `concurrency` calls run at once; the rest wait their turn in the order they came, and
 * one whose signal aborts while it waits leaves the line. Container starts (StartPacer) and exec
 * health checks (health/probe-exec.ts) take turns through one.
 */
export class Pacer {
  #active = 0;
  readonly #waiting: Array<{ go: () => void }> = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency is ${concurrency}; use a whole number of at least 1`);
  }

  /** Calls running now (not waiting for a turn). */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `call` when a turn is free and frees the turn when it settles. An abort of any of
   * `signals` while waiting leaves the line and rejects with that signal's reason; `call` never
   * runs then. (Several signals rather than one AbortSignal.any: that costs a container start
   * more than the rest of its bookkeeping, and its listeners live until collected.)
   */
  async run<T>(call: () => Promise<T>, ...signals: AbortSignal[]): Promise<T> {
    await this.#turn(signals);
    try {
      return await call();
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
