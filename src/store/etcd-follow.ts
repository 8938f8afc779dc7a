import type { Etcd3, Watcher } from 'etcd3';
import type { Logger } from 'pino';

// A copy of everything under one etcd prefix, kept current by a watch: a snapshot read at one
// revision, then every change after that revision, in the order etcd committed them. The etcd3
// client resumes a broken watch from the last revision it delivered; when etcd can no longer
// replay from there (compacted), the copy starts again from a new snapshot. The copy knows the
// revision it has reached, so a reader can wait until it holds a given write (waitFor).

/** One change under the prefix: the key (without the prefix) and its new bytes, or undefined when deleted. */
export interface FollowedChange {
  key: string;
  value: Buffer | undefined;
}

export interface FollowHandlers {
  /** Everything under the prefix at one revision: the copy starts again from this. */
  reset(entries: ReadonlyArray<[string, Buffer]>): void;
  /** Changes after the last revision, one etcd response's worth at a time, in commit order. */
  changes(changes: readonly FollowedChange[]): void;
}

/** Keys read per range request for the snapshot (every page at the first page's revision). */
const PAGE = 1_000;
const CALL_TIMEOUT_MS = 5_000;
const RETRY_MS = 1_000;

interface Waiter {
  revision: bigint;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout;
}

export class PrefixFollower {
  #watcher: Watcher | undefined;
  #revision = 0n;
  #connected = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<Waiter>();

  constructor(private readonly opts: { client: Etcd3; prefix: string; handlers: FollowHandlers; log: Logger }) {}

  /** Reads the snapshot and starts watching; on failure, tries again every second until stopped. */
  start(): void {
    void this.#begin();
  }

  /** The copy is current as far as this process can tell: its snapshot is in and its watch is connected. */
  get ready(): boolean {
    return this.#connected && !this.#stopped;
  }

  /** The etcd revision the copy has reached. */
  get revision(): bigint {
    return this.#revision;
  }

  /** Resolves true once the copy has reached `revision`, false after `timeoutMs` (or on stop). */
  waitFor(revision: bigint, timeoutMs: number): Promise<boolean> {
    if (this.#revision >= revision) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connected = false;
    clearTimeout(this.#retry);
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.#waiters.clear();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.cancel().catch(() => undefined);
  }

  async #begin(): Promise<void> {
    if (this.#stopped) return;
    const { client, prefix, handlers, log } = this.opts;
    try {
      const { entries, revision } = await this.#snapshot();
      if (this.#stopped) return;
      handlers.reset(entries);
      this.#reached(revision);
      const watcher = await client
        .watch()
        .prefix(prefix)
        .startRevision((revision + 1n).toString())
        .create();
      if (this.#stopped) {
        await watcher.cancel().catch(() => undefined);
        return;
      }
      this.#watcher = watcher;
      this.#connected = true;
      watcher.on('connected', () => (this.#connected = true));
      watcher.on('disconnected', () => (this.#connected = false));
      watcher.on('data', (res) => {
        if (this.#watcher !== watcher) return; // stopped or started again
        const changes: FollowedChange[] = [];
        let last = this.#revision;
        for (const e of res.events) {
          const key = e.kv.key.toString('utf8').slice(prefix.length);
          changes.push({ key, value: e.type === 'Put' ? e.kv.value : undefined });
          const rev = BigInt(e.kv.mod_revision);
          if (rev > last) last = rev;
        }
        if (changes.length > 0) handlers.changes(changes);
        this.#reached(last);
      });
      // etcd cannot replay from where the watch was (compacted), or cancelled it: start again
      watcher.on('error', (err: Error) => {
        if (this.#watcher !== watcher) return;
        log.warn({ reason: err.message }, 'the watch of the group state ended; reading it again');
        this.#connected = false;
        this.#watcher = undefined;
        void watcher.cancel().catch(() => undefined);
        this.#again();
      });
    } catch (err) {
      log.debug({ reason: err instanceof Error ? err.message : String(err) }, 'cannot read the group state yet');
      this.#again();
    }
  }

  #again(): void {
    if (this.#stopped) return;
    this.#retry = setTimeout(() => void this.#begin(), RETRY_MS);
  }

  #reached(revision: bigint): void {
    if (revision > this.#revision) this.#revision = revision;
    for (const w of this.#waiters) {
      if (w.revision > this.#revision) continue;
      clearTimeout(w.timer);
      this.#waiters.delete(w);
      w.resolve(true);
    }
  }

  /** Every key under the prefix at one revision, paged. */
  async #snapshot(): Promise<{ entries: Array<[string, Buffer]>; revision: bigint }> {
    const { client, prefix } = this.opts;
    const { kvs, revision } = await readPrefix(prefix, (range) =>
      client.kv.range(range, { deadline: Date.now() + CALL_TIMEOUT_MS }),
    );
    const entries = kvs.map((kv): [string, Buffer] => [kv.key.toString('utf8').slice(prefix.length), kv.value]);
    return { entries, revision: BigInt(revision) };
  }
}

type RangeRequest = Parameters<Etcd3['kv']['range']>[0];
type RangeResponse = Awaited<ReturnType<Etcd3['kv']['range']>>;

/**
 * Every key under `prefix` (the full etcd key) as of one revision, read in pages of PAGE, each
 * page asked at the first page's revision; `range` makes one call (with the caller's deadline
 * and error mapping). Returns the keys and values in key order and that revision.
 */
export async function readPrefix(
  prefix: string,
  range: (req: RangeRequest) => Promise<RangeResponse>,
): Promise<{ kvs: RangeResponse['kvs']; revision: string }> {
  const from = Buffer.from(prefix, 'utf8');
  const end = prefixEnd(from);
  const kvs: RangeResponse['kvs'] = [];
  let start = from;
  let revision: string | undefined;
  for (;;) {
    const res = await range({
      key: start,
      range_end: end,
      limit: PAGE,
      ...(revision === undefined ? {} : { revision }),
    });
    revision ??= res.header.revision;
    kvs.push(...res.kvs);
    const last = res.kvs.at(-1);
    if (!res.more || last === undefined) break;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
  return { kvs, revision: revision ?? '0' };
}

/** The first key after every key that starts with `prefix` (etcd's range end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i -= 1) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key
}
