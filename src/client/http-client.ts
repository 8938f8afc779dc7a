import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PoseidonError, RemoteError } from '../errors/index.js';

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

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * JSON over HTTP with Poseidon's error shape: `{"error":{"code","message"}}` comes back as a
 * RemoteError with the same code and message, and a server that does not answer as
 * ServerUnreachable with a message that says what to start.
 */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    /** e.g. (url) => `manager at ${url}: is \`poseidon manager\` running?` */
    private readonly describe: (url: string) => string,
    private readonly defaultTimeoutMs = 10_000,
  ) {}

  /**
   * One JSON call. It goes through node:http with a keep-alive agent shared by the process, not
   * fetch: a fetch call costs the caller about four times the CPU of the same call through
   * node:http (measured on Node 20: ~365 µs against ~85 µs per small POST), which made dispatch
   * the largest cost of a submission in the manager. Streams (logs, events) still use fetch.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = this.#url(path, opts.query);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    let answer: { status: number; text: string };
    try {
      answer = await send(url, method, body, timeoutMs, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ServerUnreachable(this.baseUrl, this.describe(this.baseUrl), { cause: err });
    }
    const parsed: unknown = answer.text === '' ? null : parseJson(answer.text);
    if (answer.status < 200 || answer.status > 299) throw toRemoteError(answer.status, parsed, answer.text);
    return parsed as T;
  }

  /** The response as it came, for streams; errors as in request(). */
  async stream(path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.raw('GET', path, { ...opts, timeoutMs: opts.timeoutMs ?? 0 });
    if (!res.ok) {
      const text = await res.text();
      throw toRemoteError(res.status, parseJson(text), text);
    }
    return res;
  }

  async raw(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const url = this.#url(path, opts.query);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const init: RequestInit = { method, signal: signals.length > 0 ? AbortSignal.any(signals) : null };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      init.headers = { 'content-type': 'application/json' };
    }
    try {
      return await fetch(url, init);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ServerUnreachable(this.baseUrl, this.describe(this.baseUrl), { cause: err });
    }
  }

  #url(path: string, query: RequestOptions['query']): URL {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }
}

/**
 * Shared by every client in the process, as fetch's global dispatcher was; idle sockets do not
 * keep it alive. An idle socket is closed after 4 s (undici's default too), before a server
 * closes it (node:http servers after 5 s): a request never goes out on a socket being closed.
 * The timeout only closes idle sockets; a slow answer is bounded by the request's deadline.
 */
const IDLE_SOCKET_MS = 4_000;
const AGENTS = {
  http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

class DeadlinePassed extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Sends one request and reads the whole answer; rejects on a network error, the deadline (whole call) or the signal.
 */
function send(
  url: URL,
  method: string,
  body: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const headers: Record<string, string | number> =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const options = {
      method,
      headers,
      agent: https ? AGENTS.https : AGENTS.http,
      ...(signal === undefined ? {} : { signal }),
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    };
    const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const deadline =
      timeoutMs > 0 ? setTimeout(() => req.destroy(new DeadlinePassed(timeoutMs)), timeoutMs) : undefined;
    function fail(err: Error): void {
      clearTimeout(deadline);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toRemoteError(status: number, body: unknown, text: string): RemoteError {
  const error = (body as { error?: { code?: unknown; message?: unknown; retryAfterMs?: unknown } } | null)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    const retryAfterMs = typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined;
    return new RemoteError(error.code, status, error.message, retryAfterMs);
  }
  return new RemoteError('http_error', status, `HTTP ${status}: ${text.slice(0, 200)}`);
}
