import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { AgentPool } from './agent-pool.js';
import { forwardHttp } from './http-forward.js';
import type { PortContext } from './port-context.js';
import { forwardTcp } from './tcp-forward.js';

/** How long an idle client connection to an http port is kept open (as node's default). */
const CLIENT_KEEP_ALIVE_MS = 5_000;

/** One listening socket on a virtual IP and port, in tcp or http mode, and the connections it holds. */
export class PortListener {
  readonly #sockets = new Set<Socket>();
  readonly agents = new AgentPool();
  readonly #closed: Promise<void>;

  private constructor(
    readonly mode: 'tcp' | 'http',
    readonly ctx: PortContext,
    private readonly server: Server | HttpServer,
  ) {
    this.#closed = new Promise((resolve) => server.once('close', () => resolve()));
  }

  static async open(mode: 'tcp' | 'http', host: string, ctx: PortContext): Promise<PortListener> {
    let listener: PortListener;
    if (mode === 'tcp') {
      const server = createTcpServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
        ctx.metrics.connections.inc({ service: ctx.service });
        forwardTcp(ctx, client, listener.#sockets);
      });
      listener = new PortListener(mode, ctx, server);
    } else {
      const server = createHttpServer({ keepAliveTimeout: CLIENT_KEEP_ALIVE_MS, noDelay: true }, (req, res) =>
        forwardHttp(ctx, listener.agents, req, res),
      );
      server.on('connection', (socket: Socket) => {
        ctx.metrics.connections.inc({ service: ctx.service });
        listener.#sockets.add(socket);
        socket.once('close', () => listener.#sockets.delete(socket));
      });
      // a client that sends garbage gets its connection closed, not the proxy
      server.on('clientError', (_err, socket: Socket) => socket.destroy());
      listener = new PortListener(mode, ctx, server);
    }
    const server = listener.server;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => {
        server.off('listening', listening);
        reject(err);
      };
      const listening = (): void => {
        server.off('error', failed);
        resolve();
      };
      server.once('error', failed);
      server.once('listening', listening);
      server.listen({ host, port: ctx.port, exclusive: true });
    });
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
    this.agents.destroy();
    await this.#closed;
  }
}
