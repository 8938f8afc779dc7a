import type { Logger } from 'pino';

// `poseidon dev`'s Ctrl-C (SIGINT) and SIGTERM, heard from its first moment: without a listener,
// Node ends the process at once, so a Ctrl-C while dev made its network, started its manager and
// worker or ran its demo left them stopped halfway (a manager's store, a worker's containers) for
// the next dev to adopt. A signal while dev starts ends the start at its next step, and dev stops
// what it made so far, as it stops once started; a second signal exits at once, as a started dev's.

/** What a start step throws once a signal came: dev stops what it made, and ends quietly. */
export class DevInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`poseidon dev: stopped by ${signal} while starting`);
  }
}

export class DevStop {
  #signal: NodeJS.Signals | undefined;
  #heard!: (signal: NodeJS.Signals) => void;
  /** Resolves with the first signal. */
  readonly heard = new Promise<NodeJS.Signals>((resolve) => (this.#heard = resolve));
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#signal !== undefined) this.exit(130);
    this.#signal = signal;
    this.log.info({ signal }, 'shutting down');
    this.#heard(signal);
  };

  constructor(
    private readonly log: Pick<Logger, 'info'>,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** Whether a signal came. */
  get stopping(): boolean {
    return this.#signal !== undefined;
  }

  /** Between two start steps: throws DevInterrupted once a signal came. */
  check(): void {
    if (this.#signal !== undefined) throw new DevInterrupted(this.#signal);
  }

  /**
   * `step`'s value, or DevInterrupted as soon as a signal comes, for a step that makes nothing to
   * stop (a wait, a read): it is left to end on its own.
   */
  async unlessStopped<T>(step: Promise<T>): Promise<T> {
    const value = await Promise.race([step, this.heard.then((signal) => Promise.reject(new DevInterrupted(signal)))]);
    this.check();
    return value;
  }

  /** Stops listening: once dev has stopped, a signal is Node's again. */
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
