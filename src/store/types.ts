/** Counts since the store was opened: how well concurrent writes share commits. */
export interface StoreStats {
  /** Records put or deleted. */
  writes: number;
  /** Transactions committed (for LMDB, each one flushed to disk once). */
  commits: number;
}

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
  /** All entries whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<Array<[string, V]>>;
  /** Applies every op or none. */
  batch(ops: readonly StoreOp<V>[]): Promise<void>;
  close(): Promise<void>;
  stats(): StoreStats;
}
