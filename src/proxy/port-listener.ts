import { createServer, type Server, type Socket } from 'node:net';
import { HttpClientConnection } from './http-connection.js';
import type { PortContext } from './port-context.js';
import { forwardTcp } from './tcp-forward.js';
import { untilListening } from './until-listening.js';
import { UpstreamPool } from './upstream-pool.js';

/** How long an idle client connection to an http port is kept open (as node's default). */
const CLIENT_KEEP_ALIVE_MS = 5_000;
/** An idle kept-alive connection to a replica is closed after this: before a node replica's own 5 s. */
const UPSTREAM_IDLE_MS = 4_000;

/** One listening socket on a virtual IP and port, in tcp or http mode, and the connections it holds. */
export class PortListener {
  readonly #sockets = new Set<Socket>();
  /** http mode: the kept-alive connections to the replicas. */
  readonly upstreams: UpstreamPool | undefined;
  readonly #closed: Promise<void>;

  private constructor(
    readonly mode: 'tcp' | 'http',
    readonly ctx: PortContext,
    private readonly server: Server,
  ) {
    this.#closed = new Promise((resolve) => server.once('close', () => resolve()));
    if (mode === 'http') {
      const timeouts = {
        connectTimeoutMs: ctx.connectTimeoutMs,
        responseTimeoutMs: ctx.responseTimeoutMs,
        idleMs: UPSTREAM_IDLE_MS,
      };
      this.upstreams = new UpstreamPool(timeouts, ctx.tunnelTls);
    }
  }

  static async open(mode: 'tcp' | 'http', host: string, ctx: PortContext): Promise<PortListener> {
    // half-open allowed: a client that ends its side after its request still gets its answer
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: mode === 'tcp', noDelay: true }, (client) => {
      ctx.metrics.connections.inc({ service: ctx.service });
      if (mode === 'tcp') return forwardTcp(ctx, client, listener.#sockets);
      listener.#sockets.add(client);
      client.once('close', () => listener.#sockets.delete(client));
      new HttpClientConnection(ctx, listener.upstreams as UpstreamPool, client, CLIENT_KEEP_ALIVE_MS);
    });
    const listener = new PortListener(mode, ctx, server);
    await untilListening(server, () => server.listen({ host, port: ctx.port, exclusive: true }));
    server.on('error', (err) => ctx.log.error({ err, service: ctx.service, port: ctx.port }, 'listener failed'));
    return listener;
  }

  /** Client connections open now (and their replica sides, in tcp mode). */
  get openSockets(): number {
    return this.#sockets.size;
  }

  /** Stops accepting; open connections go on until they end (a draining service's clients finish). */
  stopAccepting(): void {
    // close() unbinds at once; its callback would wait for every open connection
    if (this.server.listening) this.server.close();
  }

  /** Stops accepting and ends every connection now. */
  async destroy(): Promise<void> {
    this.stopAccepting();
    for (const socket of this.#sockets) socket.destroy();
    this.upstreams?.destroy();
    await this.#closed;
  }
}
