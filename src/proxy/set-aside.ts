import type { Clock } from '../clock/index.js';

/** How many failed connects in a row set a replica aside, and for how long. */
export interface SetAsideOptions {
  failuresInRow: number;
  setAsideMs: number;
}

export const DEFAULT_SET_ASIDE: SetAsideOptions = { failuresInRow: 3, setAsideMs: 10_000 };

interface Record {
  failures: number;
  /** Epoch ms until which the replica gets no new connections; 0 when not set aside. */
  asideUntilMs: number;
}

/**
 * Failed connects per replica (keyed by `address:port`). A replica that fails `failuresInRow`
 * connects in a row is set aside for `setAsideMs`; when that time is over it is tried again, and
 * one more failure sets it aside again (a success clears the record), so a dead replica costs one
 * failed connect per period instead of one per client.
 */
export class SetAside {
  readonly #records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly options: SetAsideOptions = DEFAULT_SET_ASIDE,
  ) {}

  isAside(key: string): boolean {
    if (this.#records.size === 0) return false; // the usual case, asked per request: no clock read
    const record = this.#records.get(key);
    return record !== undefined && record.asideUntilMs > this.clock.now();
  }

  succeeded(key: string): void {
    this.#records.delete(key);
  }

  /** Records a failed connect; true when it set the replica aside just now. */
  failed(key: string): boolean {
    const record = this.#records.get(key) ?? { failures: 0, asideUntilMs: 0 };
    record.failures += 1;
    this.#records.set(key, record);
    if (record.failures < this.options.failuresInRow || record.asideUntilMs > this.clock.now()) return false;
    record.asideUntilMs = this.clock.now() + this.options.setAsideMs;
    return true;
  }

  /** Forgets replicas no longer in the table. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#records.keys()) if (!keys.has(key)) this.#records.delete(key);
  }
}
