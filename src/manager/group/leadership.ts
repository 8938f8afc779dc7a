import { EventEmitter } from 'node:events';
import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from 'pino';
import type { Fence } from '../../store/etcd.js';
import { revokeWithin, settlesWithin, STOP_DEADLINE_MS } from './lease-end.js';

// Which manager of a group leads, decided in etcd. A candidate holds a lease (TTL `ttlSeconds`,
// kept alive every third of it) and tries to create the leader key bound to it, in one
// transaction that succeeds only if the key does not exist. The one that creates it leads; its
// term is the key's create revision, and that is its fence: every write it makes carries "the
// leader key still has this create revision" (EtcdStore.setFence), so once the key is gone (its
// lease expired: the leader died, froze or was cut off) no write of that term can land, whatever
// the deposed leader believes. This is what an election alone does not give (etcd3#158: two
// leaders after an etcd restart). The others watch the key and campaign again when it goes.
// A leader that has not had its lease renewed for a whole TTL steps down by itself, without
// waiting to hear from etcd.

/** Who leads, as the leader key says. */
export interface LeaderInfo {
  id: string;
  url: string;
  /** When its term began (ISO). */
  since: string;
}

export interface LeadershipOptions {
  client: Etcd3;
  /** The leader key (`/poseidon/leader`). */
  key: string;
  /** This manager: its id and the URL clients and workers reach it at. */
  self: { id: string; url: string };
  /** Lease TTL; a dead leader is replaced within about this long. */
  ttlSeconds: number;
  log: Logger;
}

type Events = {
  /** This manager leads now; its writes must carry `fence`. */
  elected: [fence: Fence, term: LeaderInfo];
  /** This manager no longer leads (lease lost, key gone, or stopping). */
  deposed: [reason: string];
  /** The leader as last seen (null: none right now). */
  leader: [LeaderInfo | null];
};

const RETRY_MS = 500;

export class Leadership extends EventEmitter<Events> {
  #leader: LeaderInfo | null = null;
  #fence: Fence | null = null;
  #stopped = false;
  #loop: Promise<void> | undefined;
  /** Wakes the campaign loop: the key went, the lease was lost, or stop(). */
  #wake: (() => void) | undefined;
  #lease: Lease | undefined;
  /** Why the lease could not be revoked as this manager stopped (undefined: it was, or none was held). */
  #unrevoked: string | undefined;

  constructor(private readonly opts: LeadershipOptions) {
    super();
  }

  get isLeader(): boolean {
    return this.#fence !== null;
  }

  get leader(): LeaderInfo | null {
    return this.#leader;
  }

  start(): void {
    this.#loop ??= this.#campaignLoop();
  }

  /**
   * Steps down (the key goes with the lease's revoke, so another leads at once) and stops
   * campaigning, waiting at most `deadlineMs` on etcd: resolves undefined once the lease is
   * revoked (or none was held), else why it was not; the key then goes when the lease expires.
   */
  async stop(deadlineMs = STOP_DEADLINE_MS): Promise<string | undefined> {
    this.#stopped = true;
    this.#wake?.();
    if (await settlesWithin(this.#loop ?? Promise.resolve(), deadlineMs)) return this.#unrevoked;
    // a grant or a campaign's transaction still on its way to etcd: its lease is let go
    this.#lease?.release();
    return `etcd did not answer within ${deadlineMs / 1000}s`;
  }

  async #campaignLoop(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#campaign();
      } catch (err) {
        this.#depose(`etcd: ${err instanceof Error ? err.message : String(err)}`);
        if (!this.#stopped) await this.#sleep(RETRY_MS);
      } finally {
        await this.#dropLease();
      }
    }
  }

  async #campaign(): Promise<void> {
    const { client, key, self, ttlSeconds, log } = this.opts;
    const lease = client.lease(ttlSeconds, { autoKeepAlive: true });
    this.#lease = lease;
    const leaseId = await lease.grant();
    const term: LeaderInfo = { ...self, since: new Date().toISOString() };
    const res = await client.kv.txn({
      compare: [{ key: Buffer.from(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(term)), lease: leaseId } }],
      failure: [{ request_range: { key: Buffer.from(key) } }],
    });
    if (res.succeeded) {
      if (this.#stopped) return; // won as it stopped: the key goes with the lease's revoke
      const fence: Fence = { key, createRevision: res.header.revision, describe: `leadership of ${self.id}` };
      await this.#lead(lease, fence, term);
      return;
    }
    const current = res.responses[0]?.response_range?.kvs[0];
    this.#see(current === undefined ? null : parseLeader(current.value));
    log.debug({ leader: this.#leader?.id }, 'another manager leads; following');
    await this.#dropLease();
    await this.#untilKeyGone(res.header.revision);
  }

  /** Leads until the lease is lost, the key goes, or stop(). */
  async #lead(lease: Lease, fence: Fence, term: LeaderInfo): Promise<void> {
    const { ttlSeconds, log } = this.opts;
    this.#fence = fence;
    this.#see(term);
    log.info({ term: fence.createRevision }, 'leading the manager group');
    this.emit('elected', fence, term);
    let why = 'stopping';
    // the term's watch of its key ends with the term: left open, its stream held the process after a stop
    const ended = new AbortController();
    await new Promise<void>((resolve) => {
      let renewedAt = Date.now();
      const done = (reason: string): void => {
        why = reason;
        clearInterval(timer);
        ended.abort();
        resolve();
      };
      // a lease not renewed for a whole TTL may have expired in etcd already: step down first
      const timer = setInterval(() => {
        if (Date.now() - renewedAt >= ttlSeconds * 1000) done(`lease not renewed for ${ttlSeconds}s`);
      }, 100);
      lease.on('keepaliveSucceeded', () => (renewedAt = Date.now()));
      lease.on('lost', (err) => done(`lease lost: ${err.message}`));
      this.#wake = () => done('stopping');
      void this.#untilKeyGone(fence.createRevision, ended.signal).then(() => done('the leader key is gone'));
    });
    this.#wake = undefined;
    this.#depose(why);
  }

  /**
   * Resolves when the leader key is deleted after `revision` (or at once when it is already gone),
   * on stop(), or when `ended` aborts (the term ended otherwise).
   */
  async #untilKeyGone(revision: string, ended?: AbortSignal): Promise<void> {
    if (this.#stopped) return;
    const watcher = await this.opts.client
      .watch()
      .key(this.opts.key)
      .startRevision(String(BigInt(revision) + 1n))
      .create();
    try {
      await new Promise<void>((resolve) => {
        if (ended?.aborted === true) return resolve();
        ended?.addEventListener('abort', () => resolve(), { once: true });
        const prev = this.#wake;
        this.#wake = () => {
          prev?.();
          resolve();
        };
        watcher.on('delete', () => resolve());
        watcher.on('put', (kv) => this.#see(parseLeader(kv.value)));
        // the key may have gone before the watch began
        void this.opts.client.kv.range({ key: Buffer.from(this.opts.key) }).then((r) => {
          if (r.kvs.length === 0) resolve();
        }, resolve);
      });
    } finally {
      await watcher.cancel().catch(() => undefined);
    }
    this.#see(null);
  }

  #depose(reason: string): void {
    if (this.#fence === null) return;
    this.#fence = null;
    this.opts.log.warn({ reason }, 'no longer leading the manager group');
    this.emit('deposed', reason);
  }

  #see(leader: LeaderInfo | null): void {
    if (leader?.id === this.#leader?.id && leader?.since === this.#leader?.since) return;
    this.#leader = leader;
    this.emit('leader', leader);
  }

  /** Revokes the lease (the key goes with it), waiting on etcd a bounded time: it lapses otherwise. */
  async #dropLease(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease === undefined) return;
    const why = await revokeWithin(lease, STOP_DEADLINE_MS);
    if (this.#stopped) this.#unrevoked = why;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

function parseLeader(value: Buffer): LeaderInfo | null {
  try {
    const v = JSON.parse(value.toString('utf8')) as Partial<LeaderInfo>;
    return typeof v.id === 'string' && typeof v.url === 'string' && typeof v.since === 'string'
      ? { id: v.id, url: v.url, since: v.since }
      : null;
  } catch {
    return null;
  }
}
