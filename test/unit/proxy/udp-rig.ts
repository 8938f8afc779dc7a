import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

// UDP on the loopback network for the proxy's tests: echo replicas that say who they are (the
// clients are test/helpers/udp-client.ts).

export { answeredBy, udpClient, type UdpClient } from '../../helpers/udp-client.js';

/** A udp replica: answers each datagram with `name:` and the datagram; `got` counts what came. */
export interface UdpReplica {
  name: string;
  port: number;
  socket: Socket;
  got: number;
}

export async function udpReplica(name: string, host: string, port: number): Promise<UdpReplica> {
  const socket = createSocket('udp4');
  socket.bind({ address: host, port, exclusive: true });
  await once(socket, 'listening');
  const replica: UdpReplica = { name, port: socket.address().port, socket, got: 0 };
  socket.on('message', (d: Buffer, from) => {
    replica.got += 1;
    socket.send(Buffer.concat([Buffer.from(`${name}:`), d]), from.port, from.address);
  });
  return replica;
}

export function closeUdp(sockets: Array<{ socket: Socket } | { close(): void }>): void {
  for (const s of sockets) {
    try {
      if ('socket' in s) s.socket.close();
      else s.close();
    } catch {
      // closed already
    }
  }
}
