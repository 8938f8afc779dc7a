// The console's only way to the Manager API: same origin, the signed-in token on every call,
// Poseidon's error shape turned back into an ApiError whose message the page shows as it is.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body: unknown = await res.json();
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const e: unknown = body.error;
      if (typeof e === 'object' && e !== null) {
        if ('code' in e && typeof e.code === 'string') code = e.code;
        if ('message' in e && typeof e.message === 'string') message = e.message;
      }
    }
  } catch {
    // not our error shape: the status line says what happened
  }
  return new ApiError(res.status, code, message);
}

/** The status of an answer that refuses the token itself (revoked, expired, unknown): no call with it will work. */
export const TOKEN_REFUSED = 401;

export class Api {
  readonly #refusedListeners = new Set<(err: ApiError) => void>();

  /** `fetchFn`: the browser's fetch (a test passes its own). */
  constructor(
    readonly token: string,
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /**
   * Told when an answer refuses the token (TOKEN_REFUSED: revoked or expired since it was signed in
   * with): the page signs out and says so, rather than asking again with a token that cannot work.
   */
  onTokenRefused(fn: (err: ApiError) => void): () => void {
    this.#refusedListeners.add(fn);
    return () => this.#refusedListeners.delete(fn);
  }

  async #failed(res: Response): Promise<ApiError> {
    const err = await errorOf(res);
    if (err.status === TOKEN_REFUSED) for (const fn of this.#refusedListeners) fn(err);
    return err;
  }

  #headers(json: boolean): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /**
   * One JSON call; `decode` checks the answer. A GET that fails before any answer (the browser saw
   * the network change, as it does when a host's interfaces come and go) is tried again, twice at
   * most: it changes nothing. Anything else is the caller's to show.
   */
  async call<T>(method: string, path: string, decode: (v: unknown) => T, body?: unknown): Promise<T> {
    const res = await this.#fetch(path, {
      method,
      headers: this.#headers(body !== undefined),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw await this.#failed(res);
    const text = await res.text();
    return decode(text === '' ? null : (JSON.parse(text) as unknown));
  }

  /** `fetch`, a GET tried again as `call` says, unless `init.signal` ended it. */
  async #fetch(path: string, init: RequestInit): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fetchFn(path, init);
      } catch (err) {
        const again = (init.method ?? 'GET') === 'GET' && attempt < 2 && init.signal?.aborted !== true;
        if (!again || !(err instanceof TypeError)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
    }
  }

  get<T>(path: string, decode: (v: unknown) => T): Promise<T> {
    return this.call('GET', path, decode);
  }

  /** A streamed answer (events, logs): its body's reader, ended by `signal`; asked again as a GET `call` is. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    return (await this.typedStream(path, signal)).reader;
  }

  /** As stream(), asking for the media types `accept` names; with the answer's type (a server may answer another). */
  async typedStream(
    path: string,
    signal: AbortSignal,
    accept?: string,
  ): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; type: string | null }> {
    const headers = { ...this.#headers(false), ...(accept === undefined ? {} : { accept }) };
    const res = await this.#fetch(path, { headers, signal });
    if (!res.ok) throw await this.#failed(res);
    if (res.body === null) throw new ApiError(res.status, 'no_body', `${path} answered no body`);
    return { reader: res.body.getReader(), type: res.headers.get('content-type') };
  }
}

export const ignore = (): null => null;
