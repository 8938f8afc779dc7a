import { PoseidonError, RemoteError } from '../errors/index.js';

/** The server at `url` did not answer at all (refused, timed out, no route). */
export class ServerUnreachable extends PoseidonError {
  readonly code = 'unreachable';
  readonly status = 503;
  override readonly temporary = true;
  constructor(
    readonly url: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach ${hint}`, options);
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

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    const text = await res.text();
    const parsed: unknown = text === '' ? null : parseJson(text);
    if (!res.ok) throw toRemoteError(res.status, parsed, text);
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
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
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
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toRemoteError(status: number, body: unknown, text: string): RemoteError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') return new RemoteError(error.code, status, error.message);
  return new RemoteError('http_error', status, `HTTP ${status}: ${text.slice(0, 200)}`);
}
