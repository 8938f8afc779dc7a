import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { frame, FrameReader } from '../tunnel/udp-frames.js';

/** Bytes a udp tunnel may have waiting to be written to the proxy; a reply past it is dropped. */
const MAX_BUFFERED = 1 << 20;

export interface UdpTunnelHooks {
  /** The socket towards the replica is ready: answer 101 now, before any reply is framed. */
  opened(): void;
  /** It could not be made (before `opened`); answer the failure. */
  failed(err: NodeJS.ErrnoException): void;
}

/**
 * A udp tunnel's far end: a socket of its own, connected to the replica's address and port; each
 * frame from the proxy is sent as one datagram, each datagram back comes framed. The replica
 * refusing (an ICMP port unreachable) or either side's close ends the tunnel.
 */
export function joinDatagrams(
  client: Duplex,
  head: Buffer,
  address: string,
  port: number,
  hooks: UdpTunnelHooks,
): void {
  const socket: DgramSocket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4' });
  let open = false;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    socket.removeAllListeners('message');
    socket.on('error', () => {});
    socket.close();
  };
  client.once('close', close);
  socket.on('error', (err: NodeJS.ErrnoException) => {
    close();
    if (open) client.destroy();
    else hooks.failed(err);
  });
  socket.on('message', (datagram: Buffer) => {
    if (client.writableLength > MAX_BUFFERED) return;
    client.write(frame(datagram));
  });
  socket.connect(port, address, () => {
    if (closed || client.destroyed) return close();
    open = true;
    hooks.opened();
    (client as Partial<{ setTimeout(ms: number): void }>).setTimeout?.(0); // a quiet tunnel is not an idle HTTP client
    const reader = new FrameReader((datagram) => {
      if (!closed) socket.send(datagram);
    });
    if (head.length > 0) reader.push(head);
    client.on('data', (chunk: Buffer) => reader.push(chunk));
    client.on('end', () => client.end());
  });
}
