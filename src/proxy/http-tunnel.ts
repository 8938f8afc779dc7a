import type { Socket } from 'node:net';
import type { Upstream } from './upstream-pool.js';

/**
 * After `101 Switching Protocols` (a WebSocket): the client's and the replica's connections become
 * one tunnel. Bytes flow both ways as they come, each side's end is passed on (half-close), an
 * error on either side ends both; `early` is what the client sent after its upgrade request.
 */
export function joinTunnel(client: Socket, up: Upstream, early: Buffer | undefined, onClose: () => void): void {
  // the replica's reads come through its pool's read callback, not as 'data' events: no pipe()
  const upstream = up.detach((chunk) => {
    if (!client.write(chunk)) upstream.pause();
  });
  client.on('drain', () => upstream.resume());
  upstream.on('end', () => client.end());
  client.setTimeout(0); // a quiet WebSocket is not an idle keep-alive connection
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.once('close', () => {
    onClose();
    if (!client.destroyed) client.end();
  });
  // a client that closed while its replica still talks: end (never drop what is still to write)
  client.once('close', () => upstream.end());
  if (early !== undefined) upstream.write(early);
  client.pipe(upstream);
  client.resume();
  upstream.resume();
}
