import { SET_ASIDE_PREFIX, type Store, type StoreOp, type StoreStats } from '../src/store/index.js';

/**
 * A Store in memory that keeps the very objects it is given, where MemoryStore keeps a copy of
 * each: for fake workers in a benchmark, whose records need no protection from later changes
 * (the worker writes each one again after it changes it), while a copy per write was the largest
 * cost of a fake worker. Tests that read back what was made durable use MemoryStore.
 */
export class ReferenceStore<V> implements Store<V> {
  readonly #data = new Map<string, V>();
  #writes = 0;
  #commits = 0;

  async get(key: string): Promise<V | undefined> {
    return this.#data.get(key);
  }

  put(key: string, value: V): Promise<void> {
    return this.batch([{ kind: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.batch([{ kind: 'delete', key }]);
  }

  async list(prefix: string): Promise<Array<[string, V]>> {
    const asideToo = prefix.startsWith(SET_ASIDE_PREFIX);
    return [...this.#data.entries()]
      .filter(([k]) => k.startsWith(prefix) && (asideToo || !k.startsWith(SET_ASIDE_PREFIX)))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** One commit of every op, in order. */
  async batch(ops: readonly StoreOp<V>[]): Promise<void> {
    for (const op of ops) {
      if (op.kind === 'delete') this.#data.delete(op.key);
      else this.#data.set(op.key, op.value);
    }
    this.#writes += ops.length;
    this.#commits += 1;
  }

  async setAside(key: string): Promise<void> {
    const value = this.#data.get(key);
    if (value === undefined) return;
    await this.batch([
      { kind: 'put', key: `${SET_ASIDE_PREFIX}${key}`, value },
      { kind: 'delete', key },
    ]);
  }

  async close(): Promise<void> {}

  stats(): StoreStats {
    return { writes: this.#writes, commits: this.#commits };
  }
}
