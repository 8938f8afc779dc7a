import { setTimeout as sleep } from 'node:timers/promises';

/** How long a followed stream that keeps being cut is asked for again, and the pauses between. */
export interface Patience {
  /** Asked again for this long without a new line shown, then the command ends. */
  windowMs: number;
  /** The first pause; each after it doubles, up to `maxPauseMs`, with jitter. */
  pauseMs: number;
  maxPauseMs: number;
}

/** A minute: a manager restarted, or a new leader elected (about 3 s), is back well within it. */
export const PATIENCE: Patience = { windowMs: 60_000, pauseMs: 250, maxPauseMs: 2_000 };

/**
 * A followed stream cut off (its manager stopped or is away, the leader changed): it is `due` to
 * be asked for again, after a pause growing with each try, until the window passes with nothing
 * new shown; then the first cut's error is the command's.
 */
export class Cut {
  /** The stream is to be asked for again. */
  due = false;
  #since: number | undefined;
  #why: (() => unknown) | undefined;
  #tries = 0;
  #said = false;

  constructor(
    private readonly patience: Patience = PATIENCE,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The stream was cut, or the manager asked after it is away: pauses, then returns (ask again);
   * throws `why()` of the first cut once the window has passed, or when `signal` aborts.
   */
  async hit(why: () => unknown, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    this.#since ??= now;
    this.#why ??= why;
    this.due = true;
    if (now - this.#since >= this.patience.windowMs) throw this.#why();
    const ceiling = Math.min(this.patience.maxPauseMs, this.patience.pauseMs * 2 ** this.#tries);
    this.#tries += 1;
    await sleep(ceiling / 2 + (ceiling / 2) * this.random(), undefined, { signal });
  }

  /** The stream asked for again was served: true the first time since the cut (it is said once). */
  served(): boolean {
    this.due = false;
    const first = !this.#said;
    this.#said = true;
    return first;
  }

  /** A new line was shown: the next cut is a new one. */
  progress(): void {
    this.#since = undefined;
    this.#why = undefined;
    this.#tries = 0;
    this.#said = false;
  }

  /** How long the window is, as the line the command ends with says it. */
  get windowText(): string {
    return `${Math.round(this.patience.windowMs / 1000)} s`;
  }
}
