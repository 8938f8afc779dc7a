import type { Readable } from 'node:stream';
import { InvalidField, PoseidonError, RemoteError } from '../errors/index.js';
import { DeadlinePassed } from './call-errors.js';
import {
  CONNECT_TIMEOUT_MS,
  IDLE_SOCKET_MS,
  isConnectionFailure,
  NOT_ISSUED_BY_CA,
  open,
  parseJson,
  tlsRefusal,
  toRemoteError,
  type Answer,
  type Payload,
  type Via,
} from './http-transport.js';
import { pooledCall, pooling, type PooledCall } from './pooled.js';
import { currentTls, WRONG_NODE, type TlsSource } from './tls.js';
import { httpsInstead } from './tls-probe.js';

/** The server at `url` did not answer at all (refused, timed out, no route). */
export class ServerUnreachable extends PoseidonError {
  constructor(
    readonly url: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super('unreachable', `cannot reach ${hint}`, options);
  }
}

/**
 * An http:// URL for a server that speaks https there (a TLS handshake with it succeeded after the
 * plain call failed): use `httpsUrl`. Not a server away, so never passed over for the next one.
 */
export class ServerSpeaksHttps extends PoseidonError {
  constructor(
    readonly url: string,
    readonly httpsUrl: string,
    options?: ErrorOptions,
  ) {
    super('invalid_request', `the server at ${url} speaks https, not http: use ${httpsUrl}`, options);
  }
}

/**
 * The server answered TLS with a certificate this client does not trust (another CA, a name or
 * role it does not hold, expired): nothing was sent.
 */
export class ServerNotTrusted extends PoseidonError {
  /** Its certificate does not chain to the CA this client trusts (none given, or another cluster's). */
  readonly otherCa: boolean;
  /** Its certificate names another node than the one called (a worker registered another's URL). */
  readonly wrongNode: boolean;

  constructor(
    readonly url: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    const wrongNode = reason.startsWith(WRONG_NODE);
    super(
      'unreachable',
      wrongNode ? `the server at ${url} ${reason}` : `the server at ${url} is not trusted: ${reason}`,
      options,
    );
    this.otherCa = reason.startsWith(NOT_ISSUED_BY_CA);
    this.wrongNode = wrongNode;
  }
}

/** What a client shows the server it calls. */
export interface ClientCredentials {
  /** An API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * For https:// URLs of the cluster: the CA the server's certificate must chain to instead of
   * the system's, and this side's certificate and key (mutual TLS).
   */
  tls?: TlsSource;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The media types the answer may have (its Accept header), for a stream. */
  accept?: string;
}

/**
 * How long a call keeps trying while managers of a group elect a leader (`no_leader`) or send it
 * to the one that leads (`not_leader`): longer than an election takes (the leader's lease, 3 s).
 */
const LEADER_WAIT_MS = 15_000;
/** The pause before a call every server of a group failed goes round the list again. */
const ROUND_PAUSE_MS = 250;
/** With several servers, how long one attempt at a call may take before the next server gets it. */
const ATTEMPT_MS = 5_000;

/**
 * JSON over HTTP with Poseidon's error shape: `{"error":{"code","message"}}` comes back as a
 * RemoteError with the same code and message, and a server that does not answer as
 * ServerUnreachable with a message that says what to start.
 *
 * `baseUrl` may list several servers, comma-separated (managers as a group): a call goes to the
 * one that answered last; one that does not answer at all is passed over for the next, and an
 * answer `not_leader` with the leader's URL sends the call there (it is added to the list when
 * the list did not name it). Calls the group cannot take right now (`no_leader`, or
 * `store_unavailable` from a leader cut off from etcd), and calls every server of the list
 * failed, are tried again for LEADER_WAIT_MS; one that gets no answer within ATTEMPT_MS goes to
 * the next server. A call is sent again only where it cannot have been applied (the server
 * refused it or was not reached), or where repeating it changes nothing (Poseidon's writes are
 * idempotent: a task's id is the client's, a scale says how many).
 */
export class HttpClient {
  readonly #headers: Readonly<Record<string, string>>;
  readonly #urls: string[];
  #at = 0;

  constructor(
    baseUrl: string,
    /** e.g. (url) => `manager at ${url}: is \`poseidon manager\` running?` */
    private readonly describe: (url: string) => string,
    private readonly defaultTimeoutMs = 10_000,
    private readonly credentials: ClientCredentials = {},
  ) {
    this.#urls = checkedUrls(baseUrl);
    this.#headers = credentials.token === undefined ? {} : { authorization: `Bearer ${credentials.token}` };
  }

  /** The server calls go to now (the first of the list until another answered). */
  get baseUrl(): string {
    return this.#urls[this.#at] as string;
  }

  /** Every server this client may call, in order. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  /**
   * One JSON call. It goes through node:http with a keep-alive agent shared by the process, not
   * fetch: a fetch call costs the caller about four times the CPU of the same call through
   * node:http (measured on Node 20: ~365 µs against ~85 µs per small POST), which made dispatch
   * the largest cost of a submission in the manager. Streams (logs, events) go through it too.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.answer<T>(method, path, opts)).body;
  }

  /** As request(), with the answer's headers (by lower-case name; a header sent twice: its first value). */
  async answer<T>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<{ body: T; header: (name: string) => string | undefined }> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const answer = await this.#open(method, path, opts, body, timeoutMs, true);
    const text = await answer.text();
    const header = (name: string): string | undefined => {
      const value = answer.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    return { body: (text === '' ? null : parseJson(text)) as T, header };
  }

  /**
   * A response body as it comes (logs, events): resolves once the status line is in, with the
   * body as a Node stream; errors as in request(). No deadline unless `timeoutMs` is given (it
   * then bounds the whole stream); `signal` ends it. node:http, as request() is, not fetch: the
   * first fetch in a process loads undici (about 30 ms), and after one a process takes a further
   * 100-150 ms to exit, which every `poseidon run --wait` would pay. A POST's body is JSON (exec).
   */
  async stream(path: string, opts: RequestOptions = {}, method: 'GET' | 'POST' = 'GET'): Promise<Readable> {
    return (await this.typedStream(path, opts, method)).body;
  }

  /**
   * As stream(), with the answer's Content-Type (empty when it has none): a server may answer
   * another type than `accept` asked for (one older than the type).
   */
  async typedStream(
    path: string,
    opts: RequestOptions = {},
    method: 'GET' | 'POST' = 'GET',
  ): Promise<{ body: Readable; type: string }> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const answer = await this.#open(method, path, opts, body, opts.timeoutMs ?? 0, false);
    return { body: answer.body, type: answer.type ?? '' };
  }

  /**
   * Sends `body` as it streams (a tar archive, `poseidon cp`) with its media type, and resolves
   * with the answer's JSON once the server has taken it all. No deadline unless `timeoutMs` is
   * given; `signal` ends it. A stream is read once: the call goes to the current server only, and
   * is not sent again to another, nor to the leader a follower names (make a JSON call to the
   * group first, which finds the leader).
   */
  async upload<T>(
    method: 'PUT' | 'POST',
    path: string,
    body: Readable,
    type: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const answer = await this.#open(method, path, opts, { stream: body, type }, opts.timeoutMs ?? 0, false);
    const text = await answer.text();
    return (text === '' ? null : parseJson(text)) as T;
  }

  /**
   * Sends the call to the current server, and on to the others as the class says; resolves with
   * a 2xx response, its body unread. `bounded`: the deadline covers every try, not each; such a
   * call goes through the pool when this process pools its connections (pooled.ts).
   */
  async #open(
    method: string,
    path: string,
    opts: RequestOptions,
    body: Payload | undefined,
    timeoutMs: number,
    bounded: boolean,
  ): Promise<Answer> {
    const startedAt = Date.now();
    /** Servers this call found not answering: not tried again by it, even when one is named the leader. */
    const refused = new Set<string>();
    /** The group's last answer while this call waited for a leader: why, if its deadline comes first. */
    let waiting: RemoteError | undefined;
    for (;;) {
      const base = this.baseUrl;
      const left = bounded && timeoutMs > 0 ? Math.max(1, timeoutMs - (Date.now() - startedAt)) : timeoutMs;
      // with other servers to go to, one that does not answer in ATTEMPT_MS is left for the next
      const failover = this.#urls.length > 1;
      const attempt = bounded && failover && left > ATTEMPT_MS * 1.5 ? ATTEMPT_MS : left;
      let res: Answer;
      try {
        const url = this.#url(base, path, opts.query);
        res =
          bounded && pooling() && typeof body !== 'object'
            ? await pooledCall(this.#pooledCall(url, method, body, attempt, opts.signal))
            : await open(url, method, body, attempt, opts.signal, this.#via(opts.accept));
      } catch (err) {
        // an abort is the caller's, and a bad argument or a bug is not the server's absence
        if (opts.signal?.aborted === true || !isConnectionFailure(err)) throw err;
        // the call's own deadline came while the group had no leader: that, not an absent manager
        if (waiting !== undefined && err instanceof DeadlinePassed && attempt >= left)
          throw leaderless(waiting, Date.now() - startedAt);
        const failure = await this.#unreachable(err, base);
        if (!(failure instanceof ServerUnreachable) || typeof body === 'object') throw failure;
        // the next call starts at the next server, and this one goes there now: it did not get
        // through here, or got no answer (a frozen manager; writes are idempotent); unless the
        // call's own deadline has passed
        refused.add(base);
        this.#passOver(base);
        const again = !(err instanceof DeadlinePassed) || attempt < left;
        if (again && !refused.has(this.baseUrl)) continue;
        if (again && this.#roundAgain(startedAt, bounded ? timeoutMs : 0)) {
          // every manager of the group failed this call: one died while a follower passed the
          // call on to it, say; a new leader is elected within seconds, so the list is tried again
          refused.clear();
          await sleep(ROUND_PAUSE_MS);
          opts.signal?.throwIfAborted();
          continue;
        }
        throw waiting === undefined ? failure : leaderless(waiting, Date.now() - startedAt);
      }
      const status = res.status;
      if (status >= 200 && status <= 299) return res;
      const text = await res.text();
      const remote = toRemoteError(status, parseJson(text), text);
      const waited = Date.now() - startedAt;
      if (typeof body === 'object' || !this.#towardsLeader(remote, base, startedAt, refused))
        throw waiting !== undefined && LEADERLESS.has(remote.code) ? leaderless(remote, waited) : remote;
      waiting = LEADERLESS.has(remote.code) ? remote : undefined;
      const pause = this.baseUrl === base ? (remote.retryAfterMs ?? 250) || 250 : 0;
      // no time left for another try: the group's answer is what to say
      if (waiting !== undefined && bounded && timeoutMs > 0 && waited + pause >= timeoutMs)
        throw leaderless(waiting, waited);
      await sleep(pause);
    }
  }

  /**
   * Whether to try again after a group's answer, and where: the leader it names (unless this call
   * found it not answering: its term has not run out yet), or the next server.
   */
  #towardsLeader(err: RemoteError, base: string, startedAt: number, refused: ReadonlySet<string>): boolean {
    // a leader cut off from its store cannot serve, and will not lead for long: another will
    const storeAway = err.code === 'store_unavailable' && this.#urls.length > 1;
    if (err.code !== 'not_leader' && err.code !== 'no_leader' && !storeAway) return false;
    if (Date.now() - startedAt > LEADER_WAIT_MS) return false;
    if (err.leader !== undefined) {
      const leader = err.leader.replace(/\/$/, '');
      if (refused.has(leader)) return true; // stay, and ask again after a pause
      let i = this.#urls.indexOf(leader);
      if (i < 0) i = this.#urls.push(leader) - 1;
      if (i === this.#at) return false; // it names itself yet says it does not lead: do not loop on it
      this.#at = i;
    } else if (err.code !== 'no_leader' && this.#urls.length > 1) {
      // a manager deposed as it wrote: another leads, or will
      this.#passOver(base);
    }
    return true;
  }

  /**
   * Whether a call every server of a group failed goes round the list again: for LEADER_WAIT_MS,
   * within the call's own deadline (`deadlineMs`, 0 for none). One server alone is not a group:
   * a manager that is not there is said at once.
   */
  #roundAgain(startedAt: number, deadlineMs: number): boolean {
    const spent = Date.now() - startedAt + ROUND_PAUSE_MS;
    return this.#urls.length > 1 && spent < LEADER_WAIT_MS && (deadlineMs === 0 || spent < deadlineMs);
  }

  /**
   * Later calls go to the server after `base`, which failed this call; unless a call running
   * beside it has already moved them on. Moving on from where the index is would send two calls
   * that failed together (`run --wait`'s submission and its event stream) round a list of two,
   * back to the server both found down.
   */
  #passOver(base: string): void {
    if (this.baseUrl !== base) return;
    this.#at = (this.#at + 1) % this.#urls.length;
  }

  #pooledCall(
    url: URL,
    method: string,
    body: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): PooledCall {
    const tls = this.credentials.tls;
    return {
      url,
      method,
      headers: this.#headers,
      body,
      timeoutMs,
      signal,
      tls: tls === undefined ? undefined : currentTls(tls),
      // the client's, not the call's: a pool is kept per connect timeout (pooled.ts)
      connectTimeoutMs: this.#urls.length > 1 ? CONNECT_TIMEOUT_MS : this.defaultTimeoutMs,
      idleSocketMs: IDLE_SOCKET_MS,
    };
  }

  #via(accept?: string): Via {
    const headers = accept === undefined ? this.#headers : { ...this.#headers, accept };
    return { headers, tls: this.credentials.tls, failover: this.#urls.length > 1 };
  }

  /** Why the call to `base` did not get through: its certificate, https spoken there, or no server. */
  async #unreachable(err: unknown, base: string): Promise<PoseidonError> {
    const reason = tlsRefusal(err);
    if (reason !== undefined) return new ServerNotTrusted(base, reason, { cause: err });
    const https = await httpsInstead(base, err);
    if (https !== undefined) return new ServerSpeaksHttps(base, https, { cause: err });
    return new ServerUnreachable(base, this.describe(base), { cause: err });
  }

  #url(base: string, path: string, query: RequestOptions['query']): URL {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }
}

/**
 * `https://a:7070,https://b:7070` → each URL, without a trailing slash; each must be an http:// or
 * https:// URL, or the client is refused at once, naming `url`, rather than be "unreachable" at
 * each call.
 */
function checkedUrls(list: string): string[] {
  const urls = list
    .split(',')
    .map((u) => u.trim().replace(/\/$/, ''))
    .filter((u) => u !== '');
  if (urls.length === 0)
    throw new InvalidField('url', `is ${JSON.stringify(list)}; use a URL such as https://10.0.0.1:5555`);
  for (const u of urls) {
    let protocol: string;
    try {
      protocol = new URL(u).protocol;
    } catch {
      throw new InvalidField('url', `is ${JSON.stringify(u)}, not a URL; use one such as https://10.0.0.1:5555`);
    }
    if (protocol !== 'http:' && protocol !== 'https:')
      throw new InvalidField('url', `is ${JSON.stringify(u)}; use an http:// or https:// URL`);
  }
  return urls;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A group's answers that mean no manager leads and can serve the call now; another will within seconds. */
const LEADERLESS = new Set(['no_leader', 'store_unavailable']);

/**
 * The group's answer to a call that waited `waitedMs` for a leader in vain, said as what it is (not
 * as a manager that is not there): an election takes seconds, so one that has not ended points at
 * etcd, which a leader needs a majority of.
 */
function leaderless(answer: RemoteError, waitedMs: number): RemoteError {
  const seconds = Math.max(1, Math.round(waitedMs / 1000));
  return new RemoteError(
    answer.code,
    answer.status,
    `no manager of the group could serve this call for the ${seconds}s it waited (${answer.message}); ` +
      'a leader needs a majority of the etcd members the managers were started with (--store): ' +
      'check that they are up and reachable (each manager logs what it cannot reach)',
  );
}
