import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { EngineStatus } from '../api/index.js';
import type { Clock } from '../clock/index.js';

/** How long after the engine went away an exit still counts as the engine's doing (its shutdown stops containers). */
export const ENGINE_SHUTDOWN_WINDOW_MS = 30_000;
const PROBE_MAX_MS = 2_000;

/**
 * Whether the container engine answers. The worker hears it is gone from its event stream
 * (`engine-lost`) or from a call that could not reach it, and back from the stream reconnecting
 * or from a probe (ping) it runs while the engine is away. `back` is told once per outage; the
 * worker then resyncs and brings its tasks back.
 */
export class EngineHealth {
  #status: EngineStatus;
  #lostAtMs: number | null = null;
  #probing = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      log: Logger;
      /** Resolves when the engine answers (Driver.ping). */
      ping(): Promise<void>;
      /** The engine answers again after an outage that began at `lostAtMs`. */
      back(lostAtMs: number): void;
      /** Aborted when the worker stops: the probe ends. */
      stopping: AbortSignal;
    },
  ) {
    this.#status = { available: true, since: new Date(deps.clock.now()).toISOString(), reason: '' };
  }

  get available(): boolean {
    return this.#status.available;
  }

  /** When the engine went away (epoch ms); null while it answers. */
  get lostAtMs(): number | null {
    return this.#lostAtMs;
  }

  /** What heartbeats carry. */
  status(): EngineStatus {
    return this.#status;
  }

  /** The engine did not answer; true when this is news. */
  lost(reason: string): boolean {
    if (!this.#status.available) return false;
    const now = this.deps.clock.now();
    this.#lostAtMs = now;
    this.#status = { available: false, since: new Date(now).toISOString(), reason };
    this.deps.log.warn({ reason }, 'container engine unavailable; tasks are kept and come back with it');
    void this.#probe();
    return true;
  }

  /** The engine answers again (its event stream reconnected, or a probe got through). */
  answered(): void {
    if (this.#status.available) return;
    const lostAtMs = this.#lostAtMs ?? this.deps.clock.now();
    this.#lostAtMs = null;
    this.#status = { available: true, since: new Date(this.deps.clock.now()).toISOString(), reason: '' };
    this.deps.log.info({ awayMs: this.deps.clock.now() - lostAtMs }, 'container engine available again');
    this.deps.back(lostAtMs);
  }

  /** Pings until the engine answers, in case no event stream is there to say so. */
  async #probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    let waitMs = 250;
    try {
      while (!this.#status.available && !this.deps.stopping.aborted) {
        try {
          await sleep(waitMs, undefined, { signal: this.deps.stopping });
        } catch {
          return; // the worker stopped
        }
        waitMs = Math.min(waitMs * 2, PROBE_MAX_MS);
        try {
          await this.deps.ping();
        } catch {
          continue;
        }
        this.answered();
      }
    } finally {
      this.#probing = false;
    }
  }
}
