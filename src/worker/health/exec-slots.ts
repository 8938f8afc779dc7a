import { availableParallelism } from 'node:os';

/**
 * How many exec checks a worker runs at once. Each is a `docker exec` (runc joins the
 * container's namespaces), and the engine runs only so many a second however many are asked at
 * once: on a 2-core machine about ten, so ten aligned checks took 0.8-1 s each against 0.2 s two
 * at a time, for the same total. Checks above the limit wait their turn, and their timeout counts
 * from their own start: a check judges its container, not how busy the engine is.
 */
export const EXEC_CHECKS_AT_ONCE = Math.max(2, availableParallelism());

/** A counting semaphore whose waiters leave the line when their signal aborts. */
export class ExecSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves true with a slot held, or false once `signal` aborts first (no slot held then). */
  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const granted = (): void => {
        signal.removeEventListener('abort', left);
        resolve(true);
      };
      const left = (): void => {
        const i = this.#waiting.indexOf(granted);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(false);
      };
      this.#waiting.push(granted);
      signal.addEventListener('abort', left, { once: true });
    });
  }

  /** Gives a slot back: to the longest waiter, else to the pool. */
  give(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free += 1;
  }
}
