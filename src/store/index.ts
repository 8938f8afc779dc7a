// Durable key-value storage: one interface, an in-memory and an LMDB implementation.
export type { Store, StoreOp, StoreStats } from './types.js';
export { SET_ASIDE_PREFIX } from './types.js';
/** For unit tests. */
export { MemoryStore } from './memory-store.js';
/** The embedded default; writes resolve once durable, concurrent writes share a commit. */
export { LmdbStore, type LmdbStoreOptions } from './lmdb-store.js';
// etcd (managers as a group) is in ./etcd.js, imported on its own: its gRPC client costs every
// process that loads it, and only a manager started with `--store etcd://…` needs it.
