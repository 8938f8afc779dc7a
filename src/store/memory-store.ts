import { SET_ASIDE_PREFIX, type Store, type StoreOp, type StoreStats } from './types.js';

/** An in-memory Store for unit tests: same contract, nothing on disk. Values are cloned. */
export class MemoryStore<V> implements Store<V> {
  readonly #data = new Map<string, V>();
  readonly #stats: StoreStats = { writes: 0, commits: 0 };

  async get(key: string): Promise<V | undefined> {
    const v = this.#data.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }
  async put(key: string, value: V): Promise<void> {
    this.#data.set(key, structuredClone(value));
    this.#count(1);
  }
  async delete(key: string): Promise<void> {
    this.#data.delete(key);
    this.#count(1);
  }
  async list(prefix: string): Promise<Array<[string, V]>> {
    const asideToo = prefix.startsWith(SET_ASIDE_PREFIX);
    return [...this.#data.entries()]
      .filter(([k]) => k.startsWith(prefix) && (asideToo || !k.startsWith(SET_ASIDE_PREFIX)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, structuredClone(v)]);
  }
  async batch(ops: readonly StoreOp<V>[]): Promise<void> {
    // clone everything first, so a value that cannot be stored leaves the store untouched
    const cloned = ops.map((op) => (op.kind === 'put' ? { ...op, value: structuredClone(op.value) } : op));
    for (const op of cloned) {
      if (op.kind === 'put') this.#data.set(op.key, op.value);
      else this.#data.delete(op.key);
    }
    this.#count(ops.length);
  }
  async setAside(key: string): Promise<void> {
    if (!this.#data.has(key)) return;
    this.#data.set(`${SET_ASIDE_PREFIX}${key}`, this.#data.get(key) as V);
    this.#data.delete(key);
    this.#count(2);
  }
  async close(): Promise<void> {}
  /** Every call is its own commit here. */
  stats(): StoreStats {
    return { ...this.#stats };
  }
  #count(writes: number): void {
    this.#stats.writes += writes;
    this.#stats.commits += 1;
  }
}
