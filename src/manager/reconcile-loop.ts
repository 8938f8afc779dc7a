import type { Logger } from 'pino';

/**
 * Runs reconcile passes on demand: events only mark the loop dirty (`kick`), passes never
 * overlap, and a burst of kicks during a pass costs one more pass, not one each.
 */
export class ReconcileLoop {
  #dirty = false;
  #running: Promise<void> | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  kick(): void {
    this.#dirty = true;
    this.#running ??= this.#drain();
  }

  /** Resolves when no pass is running or due. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    // let the events of this tick gather first: one pass serves them all
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await this.pass();
      } catch (err) {
        this.log.error({ err }, 'reconcile pass failed');
      }
    }
    this.#running = undefined; // same tick as the last check, so no kick is lost
  }
}
