import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent, AgentOptions, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { PeerCertificate } from 'node:tls';
import { PoseidonError, RemoteError } from '../errors/index.js';
import { ConnectTimedOut, DeadlinePassed } from './call-errors.js';
import type { PooledAnswer } from './pooled.js';
import { agentFor, currentTls, WRONG_NODE, type TlsSource } from './tls.js';

// One request over node:http or node:https, and what its failures mean; HttpClient (http-client.ts)
// decides where each call goes and when it is tried again.

/** The start of the reason a server's certificate is refused when another CA issued it. */
export const NOT_ISSUED_BY_CA = "its certificate is not issued by the cluster's CA";

/**
 * Codes of a failure that is this side's own, not the connection's: a bad argument (node's
 * ERR_INVALID_ARG_TYPE for a signal of the wrong kind, a header value, a URL), a request used
 * wrongly, an abort, undici's own checks, and this process out of files or memory. Whatever else
 * fails before the answer is the way to the server or the server (see isConnectionFailure).
 */
const OWN_DOING = new RegExp(
  [
    '^ERR_(INVALID_|MISSING_|OUT_OF_RANGE|UNESCAPED_CHARACTERS|HTTP_INVALID_|HTTP_HEADERS_SENT|METHOD_NOT_IMPLEMENTED)',
    '^ERR_(UNKNOWN_|ILLEGAL_|ASSERTION|INTERNAL_ASSERTION)',
    '^ABORT_ERR$',
    '^UND_ERR_(INVALID_ARG|INVALID_RETURN_VALUE|NOT_SUPPORTED|REQ_CONTENT_LENGTH_MISMATCH|ABORTED|DESTROYED)$',
    '^UND_ERR_BPL_MISSING_UPSTREAM$',
    '^E(MFILE|NFILE|NOMEM)$',
  ].join('|'),
);

/** Errors of an upload's own source (a file that could not be read): they end the call, but are not the server's. */
const sourceErrors = new WeakSet<object>();

/**
 * Whether a call failed on the way to the server or back, before an answer: refused, no route,
 * no such host, a connection reset or closed, a broken pipe, a TLS handshake that failed, the
 * deadline, something there that does not speak HTTP; what a client says as "cannot reach", and
 * what makes a client of several servers go on to the next. The rule is the other way round
 * from a list of such codes, which missed the ones it did not name: any error with a code
 * (system, OpenSSL, node's HTTP parser, undici) is one, unless it is this side's own doing
 * (OWN_DOING, a file's error, an upload's source failing). An error without a code is a bug here,
 * and an HTTP answer (a PoseidonError) is the server's word: both go on as themselves.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DeadlinePassed || err instanceof ConnectTimedOut) return true;
  if (tlsRefusal(err) !== undefined) return true;
  if (typeof err !== 'object' || err === null || err instanceof PoseidonError || sourceErrors.has(err)) return false;
  const { code, path, syscall } = err as { code?: unknown; path?: unknown; syscall?: unknown };
  // a system error naming a path is a file's (an upload's source), not a socket's: a socket's
  // has none (a TLS socket's says null), or a unix socket's, naming it, failed to connect
  const file = typeof path === 'string' && syscall !== 'connect';
  return typeof code === 'string' && !file && !OWN_DOING.test(code);
}

/**
 * Shared by every client in the process, as fetch's global dispatcher was; idle sockets do not
 * keep it alive. An idle socket is closed after 60 s, before a Poseidon server closes it (65 s,
 * src/http/limits.ts): a request never goes out on a socket being closed. Kept that long, the
 * manager's connection to a worker outlives the quiet between two placements, and a task placed
 * after a quiet spell skips a mutual-TLS handshake (both sides sign and verify; with undici's 4 s,
 * every placement more than 4 s after the last paid one). The timeout only closes idle sockets;
 * a slow answer is bounded by the request's deadline.
 */
export const IDLE_SOCKET_MS = 60_000;
const HTTP_AGENT = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

interface Https {
  request: typeof httpsRequest;
  /** For https:// URLs given no cluster credentials: the system's CAs. */
  agent: HttpsAgent;
  Agent: new (o: AgentOptions) => HttpsAgent;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * node:https and its agent, loaded on the first https:// call: loading TLS would cost every
 * plain-HTTP `poseidon status` a few ms of its start-up.
 */
let secure: Promise<Https> | undefined;
function loadHttps(): Promise<Https> {
  secure ??= Promise.all([import('node:https'), import('node:tls')]).then(([https, tls]) => ({
    request: https.request,
    agent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    Agent: https.Agent,
    checkServerIdentity: tls.checkServerIdentity,
  }));
  return secure;
}

/** How one request goes out beyond its URL: its headers, and the TLS it uses for https://. */
export interface Via {
  headers: Readonly<Record<string, string>>;
  tls: TlsSource | undefined;
  /** Other servers may take the call: a connection not made in CONNECT_TIMEOUT_MS fails at once. */
  failover: boolean;
}

/** Why a TLS handshake refused the server, in words; undefined for any other failure. */
export function tlsRefusal(err: unknown): string | undefined {
  // the role and node checks (tls.ts) fail with a message and no code
  if (err instanceof Error && /certificate of this cluster/.test(err.message)) return err.message;
  if (err instanceof Error && err.message.startsWith(WRONG_NODE)) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'its certificate does not name the address called';
  if (code === 'CERT_HAS_EXPIRED') return 'its certificate has expired';
  if (/^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED|CERT_)/.test(code)) return `${NOT_ISSUED_BY_CA} (${code})`;
  return undefined;
}

/** With several servers, a connection (TCP, then TLS) not made within this long: that one is down or frozen. */
export const CONNECT_TIMEOUT_MS = 3_000;

/** A request's body: JSON text, or a stream with its media type (sent as it comes, chunked). */
export type Payload = string | { stream: Readable; type: string };

/** A response whose status line is in, through either transport: its body, read as text once or streamed. */
export type Answer = PooledAnswer;

/**
 * Sends one request through node:http; resolves once the response's status line is in. Rejects on a network
 * error, the deadline or the signal; both also end the response's body if they come later.
 */
export async function open(
  url: URL,
  method: string,
  body: Payload | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  via: Via,
): Promise<Answer> {
  const https = url.protocol === 'https:' ? await loadHttps() : undefined;
  const agent =
    https === undefined
      ? HTTP_AGENT
      : via.tls === undefined
        ? https.agent
        : agentFor(currentTls(via.tls), https, https.checkServerIdentity, IDLE_SOCKET_MS);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> =
      body === undefined
        ? via.headers
        : typeof body === 'object'
          ? { ...via.headers, 'content-type': body.type }
          : { ...via.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const options = {
      method,
      headers,
      agent,
      ...(signal === undefined ? {} : { signal }),
    };
    const onResponse = (res: IncomingMessage): void => {
      res.once('close', () => clearTimeout(deadline));
      const type = res.headers['content-type'];
      resolve({
        status: res.statusCode ?? 0,
        text: () => readText(res),
        body: res,
        headers: res.headers,
        ...(type === undefined ? {} : { type }),
      });
    };
    const req = (https?.request ?? httpRequest)(url, options, onResponse);
    const deadline =
      timeoutMs > 0 ? setTimeout(() => req.destroy(new DeadlinePassed(timeoutMs)), timeoutMs) : undefined;
    // a server that takes the connection but does not finish the handshake (a frozen process: the
    // kernel still accepts) has received nothing of the call: it fails as a refused one does
    req.once('socket', (socket) => {
      if (!via.failover || req.reusedSocket || !socket.connecting) return;
      const late = setTimeout(
        () => req.destroy(new ConnectTimedOut(url.origin, CONNECT_TIMEOUT_MS)),
        CONNECT_TIMEOUT_MS,
      );
      socket.once(https === undefined ? 'connect' : 'secureConnect', () => clearTimeout(late));
      socket.once('close', () => clearTimeout(late));
    });
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    if (typeof body !== 'object') {
      req.end(body);
      return;
    }
    // a source that fails ends the call with its error (the server sees the upload cut short);
    // that error is this side's, not the connection's
    body.stream.once('error', (err: unknown) => {
      if (typeof err === 'object' && err !== null) sourceErrors.add(err);
      req.destroy(err as Error);
    });
    body.stream.pipe(req);
  });
}

/** The whole body as text; rejects if the response breaks (or its deadline passes) first. */
function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    // a response destroyed before its end (deadline, signal) may close without an error
    res.on('close', () => {
      if (!res.complete) reject(new Error('the response ended before its body was complete'));
    });
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function toRemoteError(status: number, body: unknown, text: string): RemoteError {
  // A redirect is never followed, nor passed on with its status: a server relaying this error
  // (the manager reading a node's logs) must not hand its own client a Location either.
  if (status < 400) return new RemoteError('bad_answer', 502, `answered HTTP ${status}, which is not an answer here`);
  const error = (
    body as { error?: { code?: unknown; message?: unknown; retryAfterMs?: unknown; leader?: unknown } } | null
  )?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    const retryAfterMs = typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined;
    const leader = typeof error.leader === 'string' ? error.leader : undefined;
    return new RemoteError(error.code, status, error.message, retryAfterMs, leader);
  }
  return new RemoteError('http_error', status, `HTTP ${status}: ${text.slice(0, 200)}`);
}
