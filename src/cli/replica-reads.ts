import { isNotFound } from '../errors/index.js';
import { isAwayForNow } from './logs-action.js';

/**
 * The reads of a service's replicas' output, side by side (`service logs`). One that fails for a
 * reason other than its replica being gone ends them all, and the command with that failure's
 * line: a read left failing on its own was an unhandled rejection, which Node printed with its
 * stack and exited on while the others were still printing.
 */
export class ReplicaReads {
  readonly #reads: Array<Promise<void>> = [];
  #failure: { err: unknown } | undefined;

  /** `abort` ends every read; it is aborted at the first failure. */
  constructor(private readonly abort: AbortController) {}

  /** A replica's read; its failure is the command's (fail). */
  add(read: Promise<void>): void {
    this.#reads.push(read.catch((err: unknown) => this.fail(err)));
  }

  /**
   * The command fails with `err`, and every read ends. Nothing once the reads were ended (Ctrl-C,
   * the service removed, a failure before): what comes after is that end's echo. A replica whose
   * container is gone, or that was never placed, has no output to show: that is no failure.
   */
  fail(err: unknown): void {
    if (this.abort.signal.aborted || isAwayForNow(err) || isNotFound(err, 'task')) return;
    this.#failure = { err };
    this.abort.abort();
  }

  /** Once every read has ended: the first failure, thrown. */
  async end(): Promise<void> {
    await Promise.all(this.#reads);
    if (this.#failure !== undefined) throw this.#failure.err;
  }
}
