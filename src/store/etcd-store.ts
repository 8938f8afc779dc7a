import { GRPCInvalidArgumentError, GRPCResourceExhastedError, type Etcd3 } from 'etcd3';
import { etcdClient, type EtcdTls } from './etcd-client.js';
import { readPrefix } from './etcd-follow.js';
import { FenceLost, StoreRefused, StoreUnavailable } from './etcd-errors.js';
import { SET_ASIDE_PREFIX, type Store, type StoreOp, type StoreStats } from './types.js';

// The replicated store: etcd (v3 API, through the `etcd3` client on gRPC), for managers that run as
// a group. Records are JSON under one key prefix. A write resolves once etcd has committed it,
// which etcd does only after a majority of its members has it on disk: an acknowledged write
// survives the loss of any minority of members. Writes issued while a transaction is in flight
// go together in the next one (group commit, as LmdbStore does), within etcd's limits per
// transaction. A fence, once set, is a condition every transaction carries: when it no longer
// holds, etcd applies nothing and the write fails with FenceLost.

/** etcd's defaults per transaction: `--max-txn-ops` 128 and `--max-request-bytes` 1.5 MiB. */
const DEFAULT_MAX_TXN_OPS = 128;
const DEFAULT_MAX_TXN_BYTES = 1024 * 1024; // under etcd's 1.5 MiB, with room for keys and framing
/** How long one call to etcd may take before the store gives up on it. */
const DEFAULT_CALL_TIMEOUT_MS = 5_000;

export interface EtcdStoreOptions {
  /** Client URLs of the members, `http://127.0.0.1:2379` or `https://…`. */
  endpoints: readonly string[];
  /** Every key of this store starts with it (`/poseidon/state/`). */
  prefix: string;
  /** TLS towards etcd, as etcd in production runs: its CA, and a client certificate when etcd asks for one. */
  tls?: EtcdTls;
  /** Must match the etcd cluster's `--max-txn-ops` when it was raised (default 128). */
  maxTxnOps?: number;
  callTimeoutMs?: number;
  /** list() found a record it cannot decode and set it aside. */
  onSetAside?(key: string, reason: string): void;
}

/**
 * A condition on one etcd key that every write must meet: the writer's leadership, as the key
 * its election created (its create revision is the term's identity; a new leader's key has another).
 */
export interface Fence {
  /** The full etcd key (not under this store's prefix). */
  key: string;
  createRevision: string;
  /** For the error: "leadership of manager m1 (term 7)". */
  describe: string;
}

interface PendingWrite {
  requests: RequestOp[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

type RequestOp = NonNullable<Parameters<Etcd3['kv']['txn']>[0]['success']>[number];
type CallOptions = NonNullable<Parameters<Etcd3['kv']['range']>[1]>;

export class EtcdStore<V> implements Store<V> {
  readonly #client: Etcd3;
  readonly #queue: PendingWrite[] = [];
  readonly #stats: StoreStats = { writes: 0, commits: 0 };
  readonly #maxOps: number;
  #inFlight = false;
  #fence: Fence | null = null;
  #closed = false;
  /** etcd's revision after this store's latest commit (0 before any). */
  #revision = 0n;

  constructor(private readonly opts: EtcdStoreOptions) {
    this.#client = etcdClient(opts.endpoints, opts.tls, opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    this.#maxOps = opts.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
  }

  /** Every key of this store starts with it. */
  get prefix(): string {
    return this.opts.prefix;
  }

  /** The client, for what is not a record: leases and elections (src/manager's group membership). */
  get client(): Etcd3 {
    return this.#client;
  }

  /**
   * etcd's revision once this store's latest write was committed: a follower whose copy has
   * reached it holds every write this store acknowledged until now (see etcd-follow.ts).
   */
  get revision(): bigint {
    return this.#revision;
  }

  /** Every write from now on carries `fence` (null: none). A write already sent keeps the one it had. */
  setFence(fence: Fence | null): void {
    this.#fence = fence;
  }

  async get(key: string): Promise<V | undefined> {
    const res = await this.#call((o) => this.#client.kv.range({ key: this.#key(key) }, o));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : (JSON.parse(kv.value.toString('utf8')) as V);
  }

  put(key: string, value: V): Promise<void> {
    return this.batch([{ kind: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.batch([{ kind: 'delete', key }]);
  }

  async list(prefix: string): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    const unreadable: Array<[string, string]> = [];
    const asideToo = prefix.startsWith(SET_ASIDE_PREFIX);
    const { kvs } = await readPrefix(this.opts.prefix + prefix, (range) =>
      this.#call((o) => this.#client.kv.range(range, o)),
    );
    for (const kv of kvs) {
      const key = kv.key.toString('utf8').slice(this.opts.prefix.length);
      if (!asideToo && key.startsWith(SET_ASIDE_PREFIX)) continue;
      try {
        out.push([key, JSON.parse(kv.value.toString('utf8')) as V]);
      } catch (err) {
        unreadable.push([key, err instanceof Error ? err.message : String(err)]);
      }
    }
    for (const [key, reason] of unreadable) {
      await this.setAside(key);
      this.opts.onSetAside?.(key, reason);
    }
    return out;
  }

  async setAside(key: string): Promise<void> {
    const res = await this.#call((o) => this.#client.kv.range({ key: this.#key(key) }, o));
    const kv = res.kvs[0];
    if (kv === undefined) return;
    // the bytes as they were, moved in one transaction
    await this.#commit(
      [
        { request_put: { key: this.#key(`${SET_ASIDE_PREFIX}${key}`), value: kv.value } },
        { request_delete_range: { key: this.#key(key) } },
      ],
      2,
    );
  }

  batch(ops: readonly StoreOp<V>[]): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreUnavailable(this.opts.endpoints, 'the store is closed'));
    let requests: RequestOp[];
    try {
      // encoded now: a value that cannot be stored fails this call alone, before anything is sent
      requests = ops.map((op) => this.#request(op));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const bytes = requests.reduce(
      (n, r) => n + (r.request_put?.key?.length ?? 0) + (r.request_put?.value?.length ?? 0),
      0,
    );
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ requests, bytes, resolve, reject });
      this.#pump();
    });
  }

  stats(): StoreStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  /** Sends what is queued as one transaction, if none is in flight; then the next. */
  #pump(): void {
    if (this.#inFlight || this.#queue.length === 0) return;
    const taken: PendingWrite[] = [];
    let ops = 0;
    let bytes = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as PendingWrite;
      const fits = ops + next.requests.length <= this.#maxOps && bytes + next.bytes <= DEFAULT_MAX_TXN_BYTES;
      if (taken.length > 0 && !fits) break; // a single batch too big goes alone: etcd says why it refuses
      taken.push(next);
      this.#queue.shift();
      ops += next.requests.length;
      bytes += next.bytes;
    }
    this.#inFlight = true;
    this.#commit(lastPerKey(taken.flatMap((w) => w.requests)), ops)
      .then(
        () => taken.forEach((w) => w.resolve()),
        (err: unknown) => taken.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.#inFlight = false;
        this.#pump();
      });
  }

  async #commit(success: RequestOp[], writes: number): Promise<void> {
    const fence = this.#fence;
    const compare =
      fence === null
        ? []
        : [
            {
              key: Buffer.from(fence.key),
              target: 'Create' as const,
              result: 'Equal' as const,
              create_revision: fence.createRevision,
            },
          ];
    const res = await this.#call((o) => this.#client.kv.txn({ compare, success, failure: [] }, o));
    if (!res.succeeded && fence !== null) throw new FenceLost(fence.describe);
    const revision = BigInt(res.header.revision);
    if (revision > this.#revision) this.#revision = revision;
    this.#stats.writes += writes;
    this.#stats.commits += 1;
  }

  #request(op: StoreOp<unknown>): RequestOp {
    return op.kind === 'put'
      ? { request_put: { key: this.#key(op.key), value: Buffer.from(JSON.stringify(op.value), 'utf8') } }
      : { request_delete_range: { key: this.#key(op.key) } };
  }

  #key(key: string): Buffer {
    return Buffer.from(this.opts.prefix + key, 'utf8');
  }

  async #call<T>(call: (options: CallOptions) => Promise<T>): Promise<T> {
    const timeoutMs = this.opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    try {
      return await call({ deadline: Date.now() + timeoutMs });
    } catch (err) {
      if (err instanceof FenceLost) throw err;
      // gRPC's message, without its empty "Resolution note"
      const message = (err instanceof Error ? err.message : String(err)).replace(/\.?\s*Resolution note:\s*$/, '');
      if (isRefusal(err)) throw new StoreRefused(message, { cause: err });
      throw new StoreUnavailable(this.opts.endpoints, message, { cause: err });
    }
  }
}

/** etcd answered, and said no (a transaction too big, a bad request): not a matter of reaching it. */
function isRefusal(err: unknown): boolean {
  return err instanceof GRPCInvalidArgumentError || err instanceof GRPCResourceExhastedError;
}

/**
 * etcd refuses a transaction that names a key twice; applied in order, only the last op on a key
 * counts, so that one is kept (in the order of the last ops).
 */
function lastPerKey(requests: RequestOp[]): RequestOp[] {
  const byKey = new Map<string, RequestOp>();
  for (const r of requests) {
    const key = (r.request_put?.key ?? r.request_delete_range?.key ?? Buffer.alloc(0)).toString('latin1');
    byKey.delete(key);
    byKey.set(key, r);
  }
  return [...byKey.values()];
}
