import { MemoryStore } from '../../../src/store/index.js';
import type { StoreOp } from '../../../src/store/index.js';

/**
 * A memory store whose batch writes a test can hold (to look at memory while a write is on its
 * way) or fail (a full disk), and whose writes it can count.
 */
export class ControlledStore<V> extends MemoryStore<V> {
  batches = 0;
  #fail: Error | undefined;
  #held: Array<() => void> | undefined;
  /** Whether a hold lets single puts (a node's record) through, holding batch writes only. */
  #putsPass = false;

  /** The next batch write fails with `err` and writes nothing. */
  failNext(err: Error): void {
    this.#fail = err;
  }

  /**
   * Writes wait until release() is called: batches and single puts, or (`'batches'`) batch
   * writes only (task and service records), while a node's record is written at once.
   */
  hold(what: 'all' | 'batches' = 'all'): void {
    this.#held = [];
    this.#putsPass = what === 'batches';
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const go of held) go();
  }

  override async put(key: string, value: V): Promise<void> {
    if (this.#held !== undefined && !this.#putsPass) await new Promise<void>((resolve) => this.#held?.push(resolve));
    await super.put(key, value);
  }

  override async batch(ops: readonly StoreOp<V>[]): Promise<void> {
    this.batches += 1;
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held?.push(resolve));
    const err = this.#fail;
    this.#fail = undefined;
    if (err !== undefined) throw err;
    await super.batch(ops);
  }
}
