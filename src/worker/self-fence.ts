import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';

// A worker that has not reached any manager for `fenceMs` stops its exclusive tasks by itself:
// the manager may be about to treat this node as gone, and an exclusive task must never run in
// two places. Contact is any answered register, heartbeat or report. It fences once per silence;
// the manager hears of the stopped tasks when contact returns.

export interface SelfFenceDeps {
  clock: Clock;
  fenceMs: number;
  /** Stops the active exclusive tasks; resolves with their ids. */
  fenceExclusive(reason: string): Promise<string[]>;
  log: Logger;
}

export class SelfFence {
  #lastContactMs: number;
  #fenced = false;
  #cancel: (() => void) | undefined;
  #running: Promise<unknown> | undefined;

  constructor(private readonly deps: Readonly<SelfFenceDeps>) {
    this.#lastContactMs = deps.clock.now();
  }

  /** A manager answered. */
  contact(): void {
    this.#lastContactMs = this.deps.clock.now();
    this.#fenced = false;
  }

  start(): void {
    const check = (): void => {
      this.#check();
      this.#cancel = this.deps.clock.setTimer(Math.min(1_000, Math.max(50, this.deps.fenceMs / 4)), check);
    };
    check();
  }

  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running;
  }

  #check(): void {
    const silentMs = this.deps.clock.now() - this.#lastContactMs;
    if (this.#fenced || silentMs < this.deps.fenceMs) return;
    this.#fenced = true;
    const reason =
      `no manager reached for ${(silentMs / 1000).toFixed(1)}s: ` +
      'exclusive, so stopped here before it may run elsewhere';
    this.#running = this.deps.fenceExclusive(reason).then(
      (ids) => {
        if (ids.length > 0) this.deps.log.warn({ tasks: ids, silentMs }, 'stopped exclusive tasks: no manager reached');
      },
      (err: unknown) => this.deps.log.error({ err }, 'stopping exclusive tasks failed'),
    );
  }
}
