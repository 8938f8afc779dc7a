/** Counts since the store was opened: how well concurrent writes share commits. */
export interface StoreStats {
  /** Records put or deleted. */
  writes: number;
  /** Transactions committed (for LMDB, each one flushed to disk once). */
  commits: number;
}

/**
 * Where a record nobody can use is moved (see Store.setAside): `set-aside/<its key>`. list() never
 * returns what is under it, unless asked for this prefix itself.
 */
export const SET_ASIDE_PREFIX = 'set-aside/';

/** One write in an atomic batch. */
export type StoreOp<V> = { kind: 'put'; key: string; value: V } | { kind: 'delete'; key: string };

/**
 * A key-value store of records of one type. Every write resolves only once it is durable
 * (for LMDB: committed and flushed to disk); concurrent writes may share one commit.
 */
export interface Store<V> {
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * All entries whose key starts with `prefix`, in key order, but those set aside. A record that
   * cannot be decoded is set aside (and reported as the implementation says), not returned.
   */
  list(prefix: string): Promise<Array<[string, V]>>;
  /**
   * Moves the record at `key` under SET_ASIDE_PREFIX, as it is stored, for a person to look at:
   * a record that cannot be read must not stop the process that reads it. Nothing at `key` is fine.
   */
  setAside(key: string): Promise<void>;
  /** Applies every op or none. */
  batch(ops: readonly StoreOp<V>[]): Promise<void>;
  close(): Promise<void>;
  stats(): StoreStats;
}
