import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { QueryHandler } from './queries.js';

/** DNS over UDP on one address: each datagram is one query; what does not decode is dropped. */
export async function listenUdp(
  host: string,
  port: number,
  handler: QueryHandler,
  log: Logger,
): Promise<{ port: number; close(): Promise<void> }> {
  const socket: Socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  const send = (bytes: Buffer, toPort: number, toHost: string): void => {
    socket.send(bytes, toPort, toHost, (err) => {
      if (err) log.debug({ err: err.message, host: toHost }, 'a DNS reply could not be sent');
    });
  };
  socket.on('message', (msg, from) => {
    const answer = handler.handle(msg, 'udp');
    if (answer instanceof Promise)
      answer.then(
        (bytes) => send(bytes, from.port, from.address),
        () => undefined,
      );
    else if (answer !== undefined) send(answer, from.port, from.address);
  });
  // an error before bind rejects the bind below; after it, one bad send must not end the listener
  const bound = once(socket, 'listening');
  socket.bind(port, host);
  try {
    await bound;
  } catch (err) {
    socket.close();
    throw err;
  }
  socket.on('error', (err) => log.warn({ err: err.message, host, port }, 'DNS UDP socket error'));
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
