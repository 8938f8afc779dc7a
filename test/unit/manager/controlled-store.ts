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

  /** The next batch write fails with `err` and writes nothing. */
  failNext(err: Error): void {
    this.#fail = err;
  }

  /** Writes (batches and single puts) wait until release() is called. */
  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const go of held) go();
  }

  override async put(key: string, value: V): Promise<void> {
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held?.push(resolve));
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
