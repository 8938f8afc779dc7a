import { asBinary, open, type RootDatabase } from 'lmdb';
import { PRIVATE_FILE_MODE, privateDir } from './private-dir.js';
import { SET_ASIDE_PREFIX, type Store, type StoreOp, type StoreStats } from './types.js';

/**
 * Where msgpackr keeps the shapes of stored objects, in the store itself (outside every string
 * key range, so list() never sees it). With them a record is stored as its shape's number and
 * its values, not its property names: a manager task record takes 326 bytes instead of 731,
 * which halves the pages a commit copies and the store's share of the manager's memory. A store
 * written this way cannot be read by an LmdbStore opened without them.
 */
const STRUCTURES_KEY = Symbol.for('structures');
/** The first key after every `set-aside/…` key ('0' follows '/'). */
const AFTER_SET_ASIDE = `${SET_ASIDE_PREFIX.slice(0, -1)}0`;

export interface LmdbStoreOptions {
  /** list() found a record it cannot decode and set it aside; `reason` is the decoder's complaint. */
  onSetAside?(key: string, reason: string): void;
}

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

  constructor(
    path: string,
    private readonly opts: LmdbStoreOptions = {},
  ) {
    // the store holds every task's env in plain text: its directory and files are its owner's
    // alone, whatever the umask (LMDB creates its files 0664 less the umask unless told)
    privateDir(path);
    const options = {
      path,
      overlappingSync: false,
      compression: false,
      noSubdir: false,
      sharedStructuresKey: STRUCTURES_KEY,
      // lmdb-js passes it to mdb_env_open (src/env.cpp) though its types do not name it, so it
      // goes in a variable: a literal with it would be refused as an unknown property
      permissionsMode: PRIVATE_FILE_MODE,
    };
    this.#db = open<V, string>(options);
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
    try {
      const out: Array<[string, V]> = [];
      for (const range of this.#ranges(prefix)) {
        for (const { key, value } of this.#db.getRange(range)) {
          if (typeof key !== 'string' || !key.startsWith(prefix)) break;
          out.push([key, value]);
        }
      }
      return out;
    } catch {
      return this.#listSettingAside(prefix); // a record that cannot be decoded: find it, key by key
    }
  }

  async setAside(key: string): Promise<void> {
    const raw = this.#db.getBinary(key);
    if (raw === undefined) return;
    this.#stats.writes += 2;
    await this.#db.batch(() => {
      void this.#db.put(`${SET_ASIDE_PREFIX}${key}`, asBinary(raw) as V); // the bytes as they were
      void this.#db.remove(key);
    });
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

  /** The key ranges list(prefix) reads: around the set-aside records, which are not decoded. */
  #ranges(prefix: string): Array<{ start: string; end?: string }> {
    if (prefix.startsWith(SET_ASIDE_PREFIX) || !SET_ASIDE_PREFIX.startsWith(prefix)) return [{ start: prefix }];
    return [{ start: prefix, end: SET_ASIDE_PREFIX }, { start: AFTER_SET_ASIDE }];
  }

  /** list(), one record at a time: each that cannot be decoded is set aside and reported. */
  async #listSettingAside(prefix: string): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    const unreadable: Array<[string, string]> = [];
    for (const range of this.#ranges(prefix)) {
      for (const key of this.#db.getKeys(range)) {
        if (typeof key !== 'string' || !key.startsWith(prefix)) break;
        try {
          out.push([key, this.#db.get(key) as V]);
        } catch (err) {
          unreadable.push([key, err instanceof Error ? err.message : String(err)]);
        }
      }
    }
    for (const [key, reason] of unreadable) {
      await this.setAside(key);
      this.opts.onSetAside?.(key, reason);
    }
    return out;
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }
}
