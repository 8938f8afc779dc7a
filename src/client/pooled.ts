import type { Readable } from 'node:stream';
import type { Dispatcher, Agent as UndiciAgent } from 'undici';
import { ConnectTimedOut, DeadlinePassed } from './call-errors.js';
import { connectOptions, type ClientTls, type IdentityCheck } from './tls.js';

/**
 * The transport of the long-running processes (manager, worker) for their JSON calls to each
 * other: undici's connection pool. The manager dispatches to workers and workers report to it
 * thousands of times a second under load, and node:http's client took about twice the cpu per
 * call (about 84 µs against 46 for a small POST over TLS, measured here on Node 20), and cost the
 * server more too (headers and body reach it apart). Not for the CLI: loading undici takes about
 * 30 ms of a command's start-up, so the CLI and scripts stay on node:http.
 */
interface Undici {
  Agent: typeof UndiciAgent;
  checkServerIdentity: IdentityCheck;
}

/** What one call through the pool brings back: the status, and the body to read once. */
export interface PooledAnswer {
  status: number;
  text(): Promise<string>;
  body: Readable;
  /** Its Content-Type, when read (a stream's answer, through node:http). */
  type?: string;
  /** Its headers, by lower-case name. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** One call as http-client's loop makes it: the deadline bounds the answer's headers, then its body. */
export interface PooledCall {
  url: URL;
  method: string;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  tls: ClientTls | undefined;
  /** A connection (TCP, then TLS) not made within this long fails with code ECONNECTTIMEOUT. */
  connectTimeoutMs: number;
  idleSocketMs: number;
}

let undici: Undici | undefined;

/**
 * From now on this process's JSON calls between cluster parts go through the pool. Resolves when
 * undici is loaded; calls made before then still go through node:http.
 */
export async function poolConnections(): Promise<void> {
  if (undici !== undefined) return;
  const [{ Agent }, tls] = await Promise.all([import('undici'), import('node:tls')]);
  undici = { Agent, checkServerIdentity: tls.checkServerIdentity };
}

/** Whether poolConnections() was called (and has loaded the pool). */
export function pooling(): boolean {
  return undici !== undefined;
}

/** The server closed the connection before its answer, in node's word for it (ECONNRESET). */
class ConnectionReset extends Error {
  readonly code = 'ECONNRESET';
}

export async function pooledCall(call: PooledCall): Promise<PooledAnswer> {
  const agent = agentFor(call);
  try {
    const res = await agent.request({
      origin: call.url.origin,
      path: `${call.url.pathname}${call.url.search}`,
      method: call.method as Dispatcher.HttpMethod,
      headers: call.body === undefined ? call.headers : { ...call.headers, 'content-type': 'application/json' },
      body: call.body,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    });
    return {
      status: res.statusCode,
      body: res.body,
      headers: res.headers,
      text: () => res.body.text().catch((err: unknown) => Promise.reject(translate(err, call))),
    };
  } catch (err) {
    throw translate(err, call);
  }
}

/** undici's own codes as node:http's, so the caller's failover and messages stay as they are. */
function translate(err: unknown, call: PooledCall): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new DeadlinePassed(call.timeoutMs, { cause: err });
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return new ConnectTimedOut(call.url.origin, call.connectTimeoutMs, { cause: err });
  // the server closed the connection before its answer: node:http says "socket hang up"
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (typeof cause?.code === 'string' && cause.code !== 'UND_ERR_SOCKET') return cause;
    return new ConnectionReset(message, { cause: err });
  }
  return err;
}

/**
 * One pool per set of credentials (renewed ones are a new object, hence a new pool, as tls.ts's
 * agents) and connect timeout (a client's: a few values in a process), and the same for plain
 * http:// and the system's CAs.
 */
const agents = new WeakMap<ClientTls, Map<number, UndiciAgent>>();
const plainAgents = new Map<number, UndiciAgent>();

function agentFor(call: PooledCall): UndiciAgent {
  const { Agent, checkServerIdentity } = undici as Undici;
  const tls = call.url.protocol === 'https:' ? call.tls : undefined;
  let byTimeout = tls === undefined ? plainAgents : agents.get(tls);
  if (byTimeout === undefined) agents.set(tls as ClientTls, (byTimeout = new Map()));
  let agent = byTimeout.get(call.connectTimeoutMs);
  if (agent === undefined) {
    agent = new Agent({
      keepAliveTimeout: call.idleSocketMs,
      keepAliveMaxTimeout: call.idleSocketMs,
      connect: {
        timeout: call.connectTimeoutMs,
        ...(tls === undefined ? {} : connectOptions(tls, checkServerIdentity)),
      },
    });
    byTimeout.set(call.connectTimeoutMs, agent);
  }
  return agent;
}
