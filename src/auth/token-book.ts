import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import {
  TOKEN_SCOPES,
  type CreatedTokenView,
  type RevokedTokenView,
  type TokenScope,
  type TokenView,
} from '../api/index.js';
import type { Clock } from '../clock/index.js';
import type { Identity } from '../http/index.js';
import { KeyedLock } from '../lock/index.js';
import type { Store } from '../store/index.js';
import { LastAdminToken, TokenNotFound } from './errors.js';
import { formatToken, hashSecret, newTokenParts, parseToken, secretMatches } from './token-format.js';

/** A token as the manager stores it, under `token/<id>`: its secret only as a hash. */
export interface TokenRecord {
  id: string;
  name: string;
  scope: TokenScope;
  /** SHA-256 of the secret, hex. */
  secretSha256: string;
  createdAt: string;
  /** null: never expires. */
  expiresAt: string | null;
  revokedAt: string | null;
  /** Written at most once a minute (LAST_USED_FLUSH_MS), not on every request. */
  lastUsedAt: string | null;
}

export interface TokenBookDeps {
  store: Store<TokenRecord>;
  clock: Clock;
  log: Logger;
  /** crypto's randomBytes unless a test fixes the ids and secrets. */
  random?: (bytes: number) => Buffer;
  /** crypto's timingSafeEqual unless a test watches the comparisons. */
  equal?: (a: Buffer, b: Buffer) => boolean;
}

/** How often the last use of each token is written: a write per request would cost the API its throughput. */
export const LAST_USED_FLUSH_MS = 60_000;

interface Entry {
  record: TokenRecord;
  hash: Buffer;
  expiresMs: number | null;
}

const KEY_PREFIX = 'token/';
/** Every write of the book goes through one queue: a revocation is never overwritten by an older copy. */
const WRITES = 'tokens';
/** Compared against when the id is unknown, so an unknown id takes the time a wrong secret does. */
const NO_HASH = hashSecret('');

function rejected(reason: string, tokenId?: string): Identity {
  return { kind: 'anonymous', rejected: tokenId === undefined ? { reason } : { reason, tokenId } };
}

const TIME_OR_NULL = (v: unknown): boolean => v === null || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));

/** Why a stored value is not a usable token record under `key`; null when it is one. */
function recordProblem(key: string, value: unknown): string | null {
  const r = value as Partial<Record<keyof TokenRecord, unknown>> | null;
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (typeof r.id !== 'string' || key !== KEY_PREFIX + r.id || !/^[0-9a-f]{12}$/.test(r.id))
    return 'id is not the 12 hex digits its key names';
  if (!(TOKEN_SCOPES as readonly unknown[]).includes(r.scope)) return 'scope is not read, deploy or admin';
  if (typeof r.secretSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.secretSha256))
    return 'secretSha256 is not a SHA-256 in hex';
  if (typeof r.name !== 'string') return 'name is not a string';
  if (typeof r.createdAt !== 'string' || !TIME_OR_NULL(r.createdAt)) return 'createdAt is not a time';
  if (!TIME_OR_NULL(r.expiresAt) || !TIME_OR_NULL(r.revokedAt) || !TIME_OR_NULL(r.lastUsedAt))
    return 'expiresAt, revokedAt or lastUsedAt is neither a time nor null';
  return null;
}

function entryOf(record: TokenRecord): Entry {
  return {
    record,
    hash: Buffer.from(record.secretSha256, 'hex'),
    expiresMs: record.expiresAt === null ? null : Date.parse(record.expiresAt),
  };
}

/**
 * The manager's API tokens: created durable (stored before the answer), checked on every request
 * from memory by id and hashed secret, revoked durable. The last use of each is kept in memory
 * and written once a minute, and on stop.
 */
export class TokenBook {
  readonly #tokens = new Map<string, Entry>();
  /** Last use (epoch ms) of tokens whose use is not written yet. */
  readonly #used = new Map<string, number>();
  readonly #writes = new KeyedLock();
  /**
   * Per connection (a keep-alive socket): the Authorization header whose secret last matched
   * there, so the connection's next requests with the same header skip the hash (a cost on every
   * request). Revocation and expiry are still checked each time; a different header is checked
   * in full. The header is compared only with what the same connection sent before.
   */
  readonly #verified = new WeakMap<object, { header: string; id: string; secretSha256: string }>();
  readonly #random: (bytes: number) => Buffer;
  readonly #equal: (a: Buffer, b: Buffer) => boolean;
  #cancelFlush: (() => void) | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #stopped = false;
  /** start() was called: this book's manager writes its tokens (a lone one, or a group's leader). */
  #started = false;

  constructor(private readonly deps: Readonly<TokenBookDeps>) {
    this.#random = deps.random ?? randomBytes;
    this.#equal = deps.equal ?? timingSafeEqual;
  }

  /**
   * Reads every stored token; returns how many there are. A record that is not a token is set
   * aside with a log line naming its key: it cannot be presented anyway, and must not stop the
   * manager starting.
   */
  async load(): Promise<number> {
    this.#tokens.clear(); // a follower's copy gives way to what the store holds now
    for (const [key, record] of await this.deps.store.list(KEY_PREFIX)) {
      const problem = recordProblem(key, record);
      if (problem === null) {
        this.#tokens.set(record.id, entryOf(record));
        continue;
      }
      await this.deps.store.setAside(key);
      this.deps.log.error({ key, problem }, 'stored token cannot be used; set aside');
    }
    return this.#tokens.size;
  }

  /**
   * A follower's copy of the leader's book (the group's state copy): the record stored under
   * `key`, or gone (undefined), as etcd's watch delivers it. Nothing is written: a record that is
   * not a token is left for the leader to set aside. `clear` first when the copy starts again.
   */
  copy(key: string, value: unknown): void {
    if (!key.startsWith(KEY_PREFIX)) return;
    if (value === undefined) this.#tokens.delete(key.slice(KEY_PREFIX.length));
    else if (recordProblem(key, value) === null) {
      const record = value as TokenRecord;
      this.#tokens.set(record.id, entryOf(record));
    }
  }

  /** Forgets every token (a follower's copy starting again). */
  clear(): void {
    this.#tokens.clear();
  }

  /** Tokens ever created, revoked and expired ones included (none: the manager's first start). */
  get size(): number {
    return this.#tokens.size;
  }

  /** Starts writing last uses once a minute: this book's manager writes its tokens (it leads). */
  start(): void {
    this.#started = true;
    this.#armFlush();
  }

  /**
   * Stops the timer and writes the last uses not written yet, if it was started. A book never
   * started is a group follower's copy: it writes nothing, as only the leader writes (unfenced, its
   * stale copy of a token revoked meanwhile would have been written back, and with etcd out of
   * reach its stop waited on a write that could not land). The last uses it saw are not kept.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelFlush?.();
    await this.#flushing;
    if (this.#started) await this.flush();
  }

  /**
   * Creates a token; resolves once its record is durable, with the token itself (its only
   * appearance). `keep` runs before the record is stored: the admin token's file is written
   * first, so a crash between the two never leaves a stored token that nobody holds.
   */
  async create(
    req: { scope: TokenScope; name?: string; ttlMs?: number },
    keep?: (token: string) => Promise<void>,
  ): Promise<CreatedTokenView> {
    return this.#writes.run(WRITES, async () => {
      let parts = newTokenParts(this.#random);
      while (this.#tokens.has(parts.id)) parts = newTokenParts(this.#random);
      const nowMs = this.deps.clock.now();
      const record: TokenRecord = {
        id: parts.id,
        name: req.name ?? '',
        scope: req.scope,
        secretSha256: hashSecret(parts.secret).toString('hex'),
        createdAt: new Date(nowMs).toISOString(),
        expiresAt: req.ttlMs === undefined ? null : new Date(nowMs + req.ttlMs).toISOString(),
        revokedAt: null,
        lastUsedAt: null,
      };
      const token = formatToken(parts);
      if (keep !== undefined) await keep(token);
      await this.deps.store.batch([{ kind: 'put', key: KEY_PREFIX + record.id, value: record }]);
      const entry = entryOf(record);
      this.#tokens.set(record.id, entry);
      this.deps.log.info({ tokenId: record.id, scope: record.scope, name: record.name }, 'token created');
      return { ...this.#view(entry), token };
    });
  }

  /** Every token, oldest first; never a secret or its hash. */
  list(): TokenView[] {
    return [...this.#tokens.values()]
      .map((e) => this.#view(e))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  view(id: string): TokenView {
    const entry = this.#tokens.get(id);
    if (entry === undefined) throw new TokenNotFound(id);
    return this.#view(entry);
  }

  /**
   * Revokes a token for good; resolves once that is durable (the token is refused from then on).
   * Revoking a revoked token is a no-op, said in `alreadyRevoked` (a call sent again after its answer
   * was lost finds it so). The last active admin token cannot be revoked.
   */
  async revoke(id: string): Promise<RevokedTokenView> {
    return this.#writes.run(WRITES, async () => {
      const entry = this.#tokens.get(id);
      if (entry === undefined) throw new TokenNotFound(id);
      if (entry.record.revokedAt !== null) return { ...this.#view(entry), alreadyRevoked: true };
      const nowMs = this.deps.clock.now();
      if (entry.record.scope === 'admin' && this.#isActive(entry, nowMs) && this.#activeAdmins(nowMs) === 1)
        throw new LastAdminToken(id);
      const record: TokenRecord = {
        ...entry.record,
        revokedAt: new Date(nowMs).toISOString(),
        lastUsedAt: this.#lastUsedAt(entry),
      };
      await this.deps.store.batch([{ kind: 'put', key: KEY_PREFIX + id, value: record }]);
      this.#tokens.set(id, entryOf(record));
      this.deps.log.info({ tokenId: id }, 'token revoked');
      return { ...this.#view(this.#tokens.get(id) ?? entryOf(record)), alreadyRevoked: false };
    });
  }

  /**
   * Who an `Authorization` header says is calling: a token's id and scope when it carries a
   * token of this book that is neither revoked nor expired; otherwise anonymous, with why when
   * something was presented. Whether the secret matches is learnt before anything else is said
   * about the token: only its holder hears that it was revoked or has expired. `connection`
   * (the request's socket) lets the connection's next requests with the same header skip the hash.
   */
  identify(authorization: string | undefined, connection?: object): Identity {
    if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
    const known = connection === undefined ? undefined : this.#verified.get(connection);
    if (known !== undefined && known.header === authorization) {
      const entry = this.#tokens.get(known.id);
      if (entry !== undefined && entry.record.secretSha256 === known.secretSha256) return this.#admit(known.id, entry);
    }
    const bearer = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    if (bearer === undefined) return rejected('the Authorization header is not "Bearer <token>"');
    const parts = parseToken(bearer);
    if (parts === null) return rejected('the bearer token is not a Poseidon API token');
    const entry = this.#tokens.get(parts.id);
    const matches = secretMatches(parts.secret, entry?.hash ?? NO_HASH, this.#equal);
    if (entry === undefined || !matches) return rejected('the token is not one this manager issued', parts.id);
    if (connection !== undefined)
      this.#verified.set(connection, { header: authorization, id: parts.id, secretSha256: entry.record.secretSha256 });
    return this.#admit(parts.id, entry);
  }

  /** The checks after the secret matched: revoked and expired tokens are refused on every request. */
  #admit(id: string, entry: Entry): Identity {
    if (entry.record.revokedAt !== null) return rejected(`token ${id} was revoked`, id);
    const nowMs = this.deps.clock.now();
    if (entry.expiresMs !== null && nowMs >= entry.expiresMs)
      return rejected(`token ${id} expired at ${entry.record.expiresAt}`, id);
    this.#used.set(id, nowMs);
    return { kind: 'token', tokenId: id, scope: entry.record.scope };
  }

  /** Writes the last uses not written yet, in one batch. */
  async flush(): Promise<void> {
    if (this.#used.size === 0) return;
    await this.#writes.run(WRITES, async () => {
      if (this.#used.size === 0) return; // a flush queued before this one wrote them
      const taken = new Map(this.#used);
      this.#used.clear();
      const records: TokenRecord[] = [];
      for (const [id, ms] of taken) {
        const entry = this.#tokens.get(id);
        if (entry !== undefined) records.push({ ...entry.record, lastUsedAt: new Date(ms).toISOString() });
      }
      try {
        await this.deps.store.batch(records.map((r) => ({ kind: 'put', key: KEY_PREFIX + r.id, value: r })));
      } catch (err) {
        for (const [id, ms] of taken) if (!this.#used.has(id)) this.#used.set(id, ms); // the next flush tries again
        throw err;
      }
      for (const r of records) {
        const entry = this.#tokens.get(r.id);
        if (entry !== undefined) entry.record = r;
      }
    });
  }

  #armFlush(): void {
    if (this.#stopped) return;
    this.#cancelFlush = this.deps.clock.setTimer(LAST_USED_FLUSH_MS, () => {
      this.#flushing = this.flush()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'writing the last use of tokens failed; trying again'))
        .finally(() => this.#armFlush());
    });
  }

  #isActive(entry: Entry, nowMs: number): boolean {
    return entry.record.revokedAt === null && (entry.expiresMs === null || nowMs < entry.expiresMs);
  }

  #activeAdmins(nowMs: number): number {
    let n = 0;
    for (const e of this.#tokens.values()) if (e.record.scope === 'admin' && this.#isActive(e, nowMs)) n += 1;
    return n;
  }

  #lastUsedAt(entry: Entry): string | null {
    const ms = this.#used.get(entry.record.id);
    return ms === undefined ? entry.record.lastUsedAt : new Date(ms).toISOString();
  }

  #view(entry: Entry): TokenView {
    const r = entry.record;
    const nowMs = this.deps.clock.now();
    return {
      id: r.id,
      name: r.name,
      scope: r.scope,
      state: r.revokedAt !== null ? 'revoked' : this.#isActive(entry, nowMs) ? 'active' : 'expired',
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      revokedAt: r.revokedAt,
      lastUsedAt: this.#lastUsedAt(entry),
    };
  }
}
