import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from 'pino';
import { revokeWithin, STOP_DEADLINE_MS } from './lease-end.js';

// Which managers of a group are up: each keeps `<prefix>managers/<id>` alive with a lease of its
// own, so a manager that dies, freezes or is cut off drops out of `GET /status` within the TTL.

export interface PresentManager {
  id: string;
  url: string;
  startedAt: string;
  /** Its Poseidon version; absent from managers older than versions. */
  version?: string;
}

const RETRY_MS = 1_000;

export class ManagerPresence {
  #lease: Lease | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  /**
   * When etcd last renewed this manager's lease (epoch ms), or when it started announcing it: the
   * manager had just read etcd then to start, so it is taken for in touch for a first TTL.
   */
  #aliveAtMs = 0;

  constructor(
    private readonly opts: {
      client: Etcd3;
      /** `<prefix>managers/` */
      prefix: string;
      self: PresentManager;
      ttlSeconds: number;
      log: Logger;
    },
  ) {}

  start(): void {
    this.#aliveAtMs = Date.now();
    void this.#announce();
  }

  /**
   * etcd renewed this manager's lease within the TTL: the manager is in touch with a majority of
   * etcd's members (a follower cut off from them stops answering from its copy within the TTL).
   */
  get inTouch(): boolean {
    return Date.now() - this.#aliveAtMs < this.opts.ttlSeconds * 1_000;
  }

  /** When etcd last renewed this manager's lease, or it started (epoch ms; 0: not started). */
  get aliveAtMs(): number {
    return this.#aliveAtMs;
  }

  /**
   * The managers etcd lists. `memberLocal`: as the etcd member asked holds them, without asking a
   * majority (a serializable read), which answers while etcd has no majority; the entries of
   * managers that died meanwhile are still there then, since only etcd's leader expires leases.
   */
  async list(opts: { memberLocal?: boolean; deadlineMs?: number } = {}): Promise<PresentManager[]> {
    const read = this.opts.client
      .getAll()
      .prefix(this.opts.prefix)
      .serializable(opts.memberLocal === true);
    if (opts.deadlineMs !== undefined) read.options({ deadline: Date.now() + opts.deadlineMs });
    const all = await read.strings();
    const out: PresentManager[] = [];
    for (const text of Object.values(all)) {
      try {
        const v = JSON.parse(text) as Partial<PresentManager>;
        if (typeof v.id === 'string' && typeof v.url === 'string' && typeof v.startedAt === 'string')
          out.push({
            id: v.id,
            url: v.url,
            startedAt: v.startedAt,
            ...(typeof v.version === 'string' ? { version: v.version } : {}),
          });
      } catch {
        // not ours to read: left out
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /**
   * Leaves the list: revokes the lease, waiting at most `deadlineMs` on etcd. Resolves undefined
   * once it is revoked (or none was held), else why not: the entry then goes when the lease expires.
   */
  async stop(deadlineMs = STOP_DEADLINE_MS): Promise<string | undefined> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const lease = this.#lease;
    this.#lease = undefined;
    return lease === undefined ? undefined : revokeWithin(lease, deadlineMs);
  }

  async #announce(): Promise<void> {
    if (this.#stopped) return;
    const { client, prefix, self, ttlSeconds, log } = this.opts;
    const lease = client.lease(ttlSeconds, { autoKeepAlive: true });
    this.#lease = lease;
    lease.on('keepaliveSucceeded', () => {
      if (this.#lease === lease) this.#aliveAtMs = Date.now();
    });
    // a lease whose grant fails is both lost and its put refused: announced again once, not twice
    // for each (two announcements a failure, doubling each second while etcd lacks a majority,
    // filled the heap by gigabytes within two minutes)
    const again = (): void => {
      if (this.#lease !== lease) return;
      this.#lease = undefined;
      lease.release();
      this.#again();
    };
    lease.on('lost', () => {
      if (this.#lease !== lease || this.#stopped) return;
      log.debug('presence lease lost; announcing again');
      again();
    });
    try {
      await lease.put(`${prefix}${self.id}`).value(JSON.stringify(self));
      this.#aliveAtMs = Date.now();
    } catch (err) {
      log.debug({ reason: String(err) }, 'cannot announce this manager in etcd yet');
      again();
    }
  }

  #again(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry); // one announcement waits at a time
    this.#retry = setTimeout(() => void this.#announce(), RETRY_MS);
  }
}
