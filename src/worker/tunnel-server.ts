import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WorkerTaskView } from '../api/index.js';
import { isNotFound } from '../errors/index.js';
import { allows, identifySocket, refusalOf, type CertificateIdentityDeps } from '../http/index.js';
import { joinDatagrams } from './tunnel-udp.js';
import {
  isTunnelPath,
  parseTunnelRequest,
  TUNNEL_PROTOCOL,
  TUNNEL_ROUTE,
  tunnelGrant,
  tunnelRefusal,
  type TunnelRefusal,
} from './tunnel-request.js';

/** Tunnels open at once at most: one past it is refused 503, so a caller cannot use up the worker's fds. */
export const DEFAULT_MAX_TUNNELS = 1_024;
/** A replica that does not take the connection within this long fails the tunnel (502). */
const CONNECT_TIMEOUT_MS = 5_000;

type Outcome = 'opened' | 'refused' | 'failed' | 'busy';

export interface TunnelServerDeps {
  /** The task of this worker by id; throws not found for one it does not hold. */
  task(id: string): WorkerTaskView;
  log: Logger;
  metrics: Registry;
  /** Epoch ms, for the certificate's expiry. */
  now(): number;
  /** A node removed from the cluster, as the manager said (revoked-nodes.ts): its certificate is refused. */
  isRevoked?(nodeId: string): boolean;
  maxTunnels?: number;
  /** CONNECT_TIMEOUT_MS unless a test sets another. */
  connectTimeoutMs?: number;
}

/**
 * The tunnel on the Worker API's own HTTPS port: an upgrade request from a worker certificate of
 * this cluster (a host's proxy) to a replica's port (tunnel-request.ts) is answered `101` once
 * the replica took the connection, then bytes flow both ways, each side's end passed on. fastify
 * never sees an upgrade, so this listens on the server's `upgrade` event and checks the caller as
 * the routes' guard does (the same words, one info line per refusal).
 */
export class TunnelServer {
  /** Each open tunnel, with the node whose certificate opened it. */
  readonly #open = new Map<Duplex, string>();
  readonly #outcomes: Counter<'outcome'>;
  readonly #max: number;
  #closed = false;

  constructor(
    private readonly server: Server,
    private readonly deps: TunnelServerDeps,
  ) {
    this.#max = deps.maxTunnels ?? DEFAULT_MAX_TUNNELS;
    this.#outcomes = new Counter({
      name: 'poseidon_tunnel_connections_total',
      help: 'Tunnels asked of this worker by proxies on other hosts, by outcome (opened|refused|failed|busy)',
      labelNames: ['outcome'] as const,
      registers: [deps.metrics],
    });
    const open = this.#open;
    new Gauge({
      name: 'poseidon_tunnels_open',
      help: 'Tunnels open now from proxies on other hosts to replicas on this worker',
      registers: [deps.metrics],
      collect() {
        this.set(open.size);
      },
    });
    server.on('upgrade', this.#onUpgrade);
  }

  /** Tunnels open now. */
  get size(): number {
    return this.#open.size;
  }

  /** Takes no more, and ends every open tunnel (the server's close waits for their connections). */
  close(): void {
    this.#closed = true;
    this.server.off('upgrade', this.#onUpgrade);
    for (const socket of this.#open.keys()) socket.destroy();
    this.#open.clear();
  }

  /** Ends the open tunnels of nodes revoked since they opened them (told by revoked-nodes.ts). */
  dropRevoked(): void {
    const isRevoked = this.deps.isRevoked;
    if (isRevoked === undefined) return;
    for (const [socket, nodeId] of this.#open) {
      if (!isRevoked(nodeId)) continue;
      this.deps.log.info({ nodeId, route: TUNNEL_ROUTE }, 'tunnel ended: its node was removed from the cluster');
      socket.destroy();
    }
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    try {
      this.#upgrade(req, socket, head);
    } catch (err) {
      // a bug: its stack once, and the caller told in the error shape (as the routes' handler does)
      this.deps.log.error({ err }, 'tunnel request failed');
      answer(socket, tunnelRefusal('internal', 'internal error; see the server log'));
    }
  };

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '';
    if (!isTunnelPath(url)) {
      answer(socket, tunnelRefusal('not_found', `no route ${req.method ?? '?'} ${url.slice(0, 200)} (an upgrade)`));
      return;
    }
    const log = this.deps.log;
    const identity = identifySocket(socket, this.#certificates);
    if (!allows('node', identity)) {
      const refusal = refusalOf(TUNNEL_ROUTE, 'node', identity);
      log.info(refusal.fields, 'request refused');
      this.#count('refused');
      answer(socket, refusal);
      return;
    }
    const asked = parseTunnelRequest(req.method, url, req.headers);
    if (!asked.ok) return this.#refuse(socket, asked.refusal);
    if (this.#closed) return this.#refuse(socket, tunnelRefusal('server_stopping', 'the worker is stopping'), 'busy');
    if (this.#open.size >= this.#max) {
      const message = `this worker holds ${this.#max} tunnels, its most; try again once some have closed`;
      return this.#refuse(socket, tunnelRefusal('too_many_tunnels', message), 'busy');
    }
    const grant = tunnelGrant(asked.taskId, this.#task(asked.taskId), asked.port, asked.proto);
    if (!grant.ok) return this.#refuse(socket, grant.refusal);
    this.#open.set(socket, identity.kind === 'node' ? identity.nodeId : '');
    socket.once('close', () => this.#open.delete(socket));
    if (grant.proto === 'udp') this.#datagrams(socket, head, grant.address, grant.port, asked.taskId);
    else this.#connect(socket, head, grant.address, grant.port, asked.taskId);
  }

  readonly #certificates: CertificateIdentityDeps = {
    now: () => this.deps.now(),
    isRevoked: (nodeId) => this.deps.isRevoked?.(nodeId) === true,
  };

  #task(id: string): WorkerTaskView | undefined {
    try {
      return this.deps.task(id);
    } catch (err) {
      if (isNotFound(err, 'task')) return undefined;
      throw err;
    }
  }

  #refuse(socket: Duplex, refusal: TunnelRefusal, outcome: Outcome = 'refused'): void {
    // as the routes' error handler says an expected refusal: one line at info, its code and words
    this.deps.log.info({ code: refusal.body.error.code, route: TUNNEL_ROUTE }, refusal.body.error.message);
    this.#count(outcome);
    answer(socket, refusal);
  }

  #count(outcome: Outcome): void {
    this.#outcomes.inc({ outcome });
  }

  /** A udp tunnel: 101 once its socket towards the replica is ready, then datagrams framed both ways. */
  #datagrams(client: Duplex, head: Buffer, address: string, port: number, taskId: string): void {
    joinDatagrams(client, head, address, port, {
      opened: () => {
        this.#count('opened');
        client.write(switching());
      },
      failed: (err) => this.#failed(client, err, port, taskId),
    });
  }

  #failed(client: Duplex, err: NodeJS.ErrnoException, port: number, taskId: string): void {
    const code = err.code ?? err.message;
    this.deps.log.info({ taskId, port, code }, 'tunnel to a replica failed');
    this.#count('failed');
    answer(client, tunnelRefusal('bad_answer', `the replica's port ${port} did not take the connection (${code})`));
  }

  /** Connects to the replica; answers 101 once it took the connection, 502 when it did not. */
  #connect(client: Duplex, head: Buffer, address: string, port: number, taskId: string): void {
    const upstream: Socket = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
    const timeoutMs = this.deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => upstream.destroy(timedOut()), timeoutMs);
    let connected = false;
    client.once('close', () => {
      if (connected) upstream.end();
      else upstream.destroy();
    });
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      if (client.destroyed) return upstream.destroy();
      this.#count('opened');
      client.write(switching());
      if (head.length > 0) upstream.write(head);
      join(client, upstream);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (connected) return client.destroy();
      this.#failed(client, err, port, taskId);
    });
  }
}

function switching(): string {
  return `HTTP/1.1 101 ${STATUS_CODES[101]}\r\nConnection: Upgrade\r\nUpgrade: ${TUNNEL_PROTOCOL}\r\n\r\n`;
}

function timedOut(): Error {
  return Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' });
}

/** Bytes both ways as they come; each side's end is passed on (half-close), an error on either ends both. */
function join(client: Duplex, upstream: Socket): void {
  client.allowHalfOpen = true;
  (client as Partial<Socket>).setTimeout?.(0); // a quiet tunnel is not an idle HTTP client
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  upstream.once('close', () => {
    if (!client.destroyed) client.end();
  });
  client.pipe(upstream);
  upstream.pipe(client);
}

/** An HTTP answer in the error shape on a socket the HTTP server let go of, then its end. */
function answer(socket: Duplex, refusal: TunnelRefusal | { status: number; body: unknown }): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const body = JSON.stringify(refusal.body);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
