import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type { Store, StoreOp, StoreStats } from './types.js';

/**
 * Where msgpackr keeps the shapes of stored objects, in the store itself (outside every string
 * key range, so list() never sees it). With them a record is stored as its shape's number and
 * its values, not its property names: a manager task record takes 326 bytes instead of 731,
 * which halves the pages a commit copies and the store's share of the manager's memory. A store
 * written this way cannot be read by an LmdbStore opened without them.
 */
const STRUCTURES_KEY = Symbol.for('structures');

/**
 * LMDB, the embedded default (the role BoltDB plays in Go). Writes issued while a commit is in
 * flight are gathered by lmdb-js into the next transaction (group commit), and with
 * overlappingSync off a write's promise resolves only after its transaction is flushed to disk,
 * so one fsync serves many concurrent writes and an acknowledged write is durable.
 */
export class LmdbStore<V> implements Store<V> {
  readonly #db: RootDatabase<V, string>;
  readonly #stats: StoreStats = { writes: 0, commits: 0 };
  #closed = false;

  constructor(path: string) {
    mkdirSync(path, { recursive: true });
    this.#db = open<V, string>({
      path,
      overlappingSync: false,
      compression: false,
      noSubdir: false,
      sharedStructuresKey: STRUCTURES_KEY,
    });
    this.#db.on('aftercommit', () => {
      this.#stats.commits += 1;
    });
  }

  async get(key: string): Promise<V | undefined> {
    return this.#db.get(key);
  }
  async put(key: string, value: V): Promise<void> {
    this.#stats.writes += 1;
    await this.#db.put(key, value);
  }
  async delete(key: string): Promise<void> {
    this.#stats.writes += 1;
    await this.#db.remove(key);
  }
  async list(prefix: string): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    for (const { key, value } of this.#db.getRange({ start: prefix })) {
      if (!key.startsWith(prefix)) break;
      out.push([key, value]);
    }
    return out;
  }
  async batch(ops: readonly StoreOp<V>[]): Promise<void> {
    this.#stats.writes += ops.length;
    await this.#db.batch(() => {
      for (const op of ops) {
        if (op.kind === 'put') void this.#db.put(op.key, op.value);
        else void this.#db.remove(op.key);
      }
    });
  }
  stats(): StoreStats {
    return { ...this.#stats };
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }
}
