interface Waiter<T> {
  match: (e: T) => boolean;
  resolve: (e: T) => void;
  reject: (reason: unknown) => void;
}

/**
 * Events in the order they were received, waited for by predicate: what the engine's and the
 * manager's event logs (docker-event-log.ts, cluster-events.ts) keep. A wait looks at the
 * events already received first, so an event that came before its wait is not missed.
 */
export class ReceivedEvents<T> {
  readonly #events: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  #signal: AbortSignal | undefined;
  #unlisten: (() => void) | undefined;

  /** `neverCame` makes the error a wait fails with when its event did not come in time. */
  constructor(private readonly neverCame: (what: string, timeoutMs: number) => Error) {}

  /** From now on, `signal` (the run's) fails every wait at once when it aborts. */
  failWaitsOnAbort(signal: AbortSignal): void {
    this.#signal = signal;
    // one listener for all waits (a burst has fifty at once)
    const onAbort = (): void => {
      for (const w of [...this.#waiters]) w.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#unlisten = () => signal.removeEventListener('abort', onAbort);
  }

  /** Events received so far, oldest first. */
  get all(): readonly T[] {
    return this.#events;
  }

  add(e: T): void {
    this.#events.push(e);
    for (const w of [...this.#waiters]) if (w.match(e)) w.resolve(e);
  }

  /** The first event, already received or still to come, that `match` accepts; fails with `neverCame(what, timeoutMs)` after `timeoutMs`. */
  waitFor(match: (e: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    const seen = this.#events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    this.#signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.reject(this.neverCame(what, timeoutMs)), timeoutMs);
      const waiter: Waiter<T> = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(e);
        },
        reject: (reason) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(reason);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Stops listening to the run's signal; waits still pending end with their timeout. */
  close(): void {
    this.#unlisten?.();
  }
}
