import { isIP } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { connectOptions, type ClientTls } from '../client/tls.js';
import { concat } from './head-bytes.js';
import { HEAD_END, MAX_HEAD_BYTES, parseResponseHead, type AskedRequest } from './http-head.js';
import type { Target, TunnelHop } from './mesh-route.js';

// The proxy's side of the tunnel (src/worker/tunnel-request.ts is the worker's): mutual TLS to
// the replica's worker with this worker's node certificate, trusting a worker certificate of the
// cluster only, an upgrade request, and its answer read. After `101` the socket carries the
// replica's bytes both ways; any bytes after the answer's head are the replica's already. The
// answer's head is read by the http mode's strict parser: one reader of HTTP heads in the proxy.

const PROTOCOL = 'poseidon-tunnel/1';
/** What the answer is to, for the parser: an upgrade asked with GET on a connection kept. */
const ASKED: AskedRequest = { method: 'GET', upgrade: PROTOCOL, keepAlive: true, closesUpstream: false };

/**
 * What a set of credentials dials with (a renewal hands out a new object, so nothing of the old
 * one is used again): its secure context, its PEMs parsed once, not per tunnel; and the last TLS
 * session of each worker it reached, offered to that worker's next tunnel, which then resumes
 * instead of a full handshake (the worker still reads the caller's certificate of the session).
 */
interface Credentials {
  context: SecureContext;
  check: ReturnType<typeof identityCheck>;
  /** By worker (hopKey): one session each, replaced by every newer one, dropped with the worker. */
  sessions: Map<string, Buffer>;
}

const credentials = new WeakMap<ClientTls, Credentials>();

function identityCheck(tls: ClientTls, nodeId?: string) {
  const node = nodeId === undefined ? {} : { serverNode: nodeId };
  return connectOptions({ ...tls, serverRole: 'worker', ...node }, checkServerIdentity).checkServerIdentity;
}

function credentialsOf(tls: ClientTls): Credentials {
  let got = credentials.get(tls);
  if (got === undefined) {
    const { ca, cert, key } = tls;
    const context = createSecureContext({
      ca,
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    });
    got = { context, check: identityCheck(tls), sessions: new Map() };
    credentials.set(tls, got);
  }
  return got;
}

/** A worker, as its TLS sessions are kept: where it listens, the name and node its certificate is checked for. */
export function hopKey(hop: TunnelHop): string {
  return `${hop.nodeId ?? ''}/${hop.hostname}@${hop.host}:${hop.port}`;
}

/** Drops the TLS sessions of workers not in `hops` (a worker no replica is reached through any more). */
export function retainTunnelSessions(tls: ClientTls, hops: ReadonlySet<string>): void {
  const sessions = credentials.get(tls)?.sessions;
  for (const key of sessions?.keys() ?? []) if (!hops.has(key)) sessions?.delete(key);
}

/** The worker did not open the tunnel: its status and words, counted as a failed connect. */
export class TunnelRefused extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.code = status === 0 ? 'ETUNNEL' : `TUNNEL_${status}`;
  }
}

export interface TunnelHandlers {
  /** The tunnel is open; `early` is what the replica sent along with the 101 (maybe empty). */
  open(socket: TLSSocket, early: Buffer): void;
}

/**
 * Opens a tunnel to `target` through its worker. `handlers.open` is called once the worker
 * answered 101; a refusal or a broken answer destroys the socket with a TunnelRefused, so the
 * socket's `error` and `close` say it failed, as a refused connect's would.
 */
export function dialTunnel(
  target: Target & { via: TunnelHop },
  tls: ClientTls,
  handlers: TunnelHandlers,
  /** udp: the tunnel carries datagrams, each framed (src/tunnel/udp-frames.ts); asked as `?proto=udp`. */
  proto: 'tcp' | 'udp' = 'tcp',
): TLSSocket {
  const hop = target.via;
  const { context, check, sessions } = credentialsOf(tls);
  const key = hopKey(hop);
  const session = sessions.get(key);
  const socket = connect({
    host: hop.host,
    port: hop.port,
    ...(isIP(hop.hostname) === 0 ? { servername: hop.hostname } : {}),
    secureContext: context,
    // the worker's certificate names its host, as the manager checks it, states role worker, and
    // names the replica's node (another worker's URL registered for it opens no tunnel)
    checkServerIdentity: hop.nodeId === undefined ? check : identityCheck(tls, hop.nodeId),
    ...(session === undefined ? {} : { session }),
  });
  socket.setNoDelay(true);
  socket.allowHalfOpen = true;
  // a TLS 1.3 ticket comes after the handshake, before the worker's answer; the newest is kept
  socket.on('session', (ticket: Buffer) => void sessions.set(key, ticket));
  // a session offered to a handshake that failed is not offered again (one the worker no longer
  // takes, its ticket key changed, does not fail: it is a full handshake, and its ticket replaces it)
  let secured = false;
  socket.once('close', () => {
    if (!secured && session !== undefined && sessions.get(key) === session) sessions.delete(key);
  });
  socket.once('secureConnect', () => {
    secured = true;
    const query = proto === 'udp' ? '?proto=udp' : '';
    socket.write(
      `GET /tunnel/${encodeURIComponent(target.taskId)}/${target.port}${query} HTTP/1.1\r\n` +
        `Host: ${hop.host.includes(':') ? `[${hop.host}]` : hop.host}:${hop.port}\r\n` +
        `Connection: Upgrade\r\nUpgrade: ${PROTOCOL}\r\n\r\n`,
    );
  });
  let head: Buffer | undefined;
  const onData = (chunk: Buffer): void => {
    head = concat(head, chunk);
    const end = head.indexOf(HEAD_END);
    if (end < 0) {
      if (head.length > MAX_HEAD_BYTES) socket.destroy(new TunnelRefused(0, 'the worker answered no HTTP head'));
      return;
    }
    const answer = parseResponseHead(head, 0, end, ASKED);
    if (typeof answer === 'string') {
      socket.destroy(new TunnelRefused(0, `the worker's answer is not HTTP: ${answer}`));
      return;
    }
    if (answer.status !== 101) {
      socket.destroy(new TunnelRefused(answer.status, refusalText(answer.status, head.subarray(end + 4))));
      return;
    }
    socket.pause(); // nothing of the replica's is read until its new owner listens
    socket.off('data', onData);
    socket.off('end', onEnd);
    handlers.open(socket, head.subarray(end + 4));
  };
  const onEnd = (): void => void socket.destroy(new TunnelRefused(0, 'the worker closed the tunnel before answering'));
  socket.on('data', onData);
  socket.on('end', onEnd);
  return socket;
}

/** "tunnel refused: 404 no service replica … on this worker", from the error shape when it came whole. */
function refusalText(status: number, body: Buffer): string {
  let message = '';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = ` ${parsed.error.message.slice(0, 300)}`;
  } catch {
    // a body cut short, or none: the status says enough
  }
  return `tunnel refused: ${status}${message}`;
}
