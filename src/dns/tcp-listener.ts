import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { MAX_QUERY_BYTES } from './codec.js';
import type { QueryHandler } from './queries.js';

// DNS over TCP on one address (RFC 7766): each message has a two-byte length before it; several
// queries may come on one connection and their replies may go out of order. Bounded: at most
// `maxConnections` at once, a message larger than a query can be closes the connection, a
// connection with `maxPending` replies still owed is read no further until they go, and one
// idle for `idleMs` is closed.

export interface TcpLimits {
  maxConnections: number;
  idleMs: number;
  maxPending: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = { maxConnections: 256, idleMs: 10_000, maxPending: 16 };

export async function listenTcp(
  host: string,
  port: number,
  handler: QueryHandler,
  log: Logger,
  limits: TcpLimits = DEFAULT_TCP_LIMITS,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket, handler, limits);
  });
  server.maxConnections = limits.maxConnections;
  const listening = once(server, 'listening');
  server.listen(port, host);
  await listening;
  server.on('error', (err) => log.warn({ err: err.message, host, port }, 'DNS TCP server error'));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(socket: Socket, handler: QueryHandler, limits: TcpLimits): void {
  let buffered: Buffer = Buffer.alloc(0);
  let pending = 0;
  socket.setNoDelay(true);
  socket.setTimeout(limits.idleMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const send = (bytes: Buffer): void => {
    if (socket.destroyed) return;
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    socket.write(Buffer.concat([length, bytes]));
  };
  const settled = (): void => {
    pending -= 1;
    if (pending < limits.maxPending && socket.isPaused()) socket.resume();
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const size = buffered.readUInt16BE(0);
      if (size > MAX_QUERY_BYTES) return socket.destroy(); // no query is this large: not DNS, or hostile
      if (buffered.length < size + 2) return;
      const message = buffered.subarray(2, size + 2);
      buffered = buffered.subarray(size + 2);
      const answer = handler.handle(message, 'tcp');
      if (answer === undefined) return socket.destroy(); // a malformed message: the stream cannot be trusted
      if (!(answer instanceof Promise)) send(answer);
      else {
        pending += 1;
        if (pending >= limits.maxPending) socket.pause();
        answer.then(send, () => undefined).finally(settled);
      }
    }
  });
}
