import type { Logger } from 'pino';
import { PoseidonError } from '../errors/index.js';

/** Calls the manager made and did not wait for (dispatches, stops): stop() waits for them. */
export class Background {
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(private readonly log: Logger) {}

  /** Keeps `p` until it settles; an expected failure is a warning, anything else an error with its stack. */
  track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => {
      if (err instanceof PoseidonError) this.log.warn({ code: err.code }, err.message);
      else this.log.error({ err }, 'background manager operation failed');
    });
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  /** Resolves once nothing is in flight, including what the settled calls started. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}
