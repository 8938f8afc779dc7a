import type { Logger } from 'pino';

/**
 * What a runtime (worker, manager) has opened or started, each with how to close it: closed in
 * the reverse order, by its close() or when a later step of its start fails. A start that failed
 * half way (the port taken, the DNS port taken) must not leave the process running on what it had
 * started before (timers, a store, an engine's event stream): it closes that, then fails.
 */
export class Opened {
  readonly #closers: Array<() => Promise<void> | void> = [];

  /** `close` undoes something just opened or started (or about to be: it must cope with a half start). */
  add(close: () => Promise<void> | void): void {
    this.#closers.push(close);
  }

  /** Closes everything, the last opened first; the first failure is thrown once all were tried. */
  async close(): Promise<void> {
    let failure: { err: unknown } | undefined;
    for (let close = this.#closers.pop(); close !== undefined; close = this.#closers.pop()) {
      try {
        await close();
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure !== undefined) throw failure.err;
  }

  /**
   * Runs `start` (the steps of a start that add here), and when it fails, closes what it opened
   * before it throws the start's own error (what failed to close is logged, not thrown over it).
   */
  async starting<T>(log: Logger, start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.close().catch((closing: unknown) =>
        log.warn({ err: String(closing) }, 'closing what was started before the failure failed too'),
      );
      throw err;
    }
  }
}
