import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

// UDP on the loopback network for the proxy's tests: echo replicas that say who they are, and
// clients (each its own socket: its own flow) that send a datagram and wait for the reply.

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

export interface UdpClient {
  socket: Socket;
  /** Sends `text` (or bytes) to `host:port`; resolves with the reply and where it came from. */
  ask(data: string | Buffer): Promise<{ text: string; bytes: Buffer; from: string }>;
  close(): void;
}

/** A client bound to its own port on `from`: one flow as the proxy sees it. */
export async function udpClient(host: string, port: number, from = '127.0.0.1'): Promise<UdpClient> {
  const socket = createSocket('udp4');
  socket.bind({ address: from, port: 0 });
  await once(socket, 'listening');
  return {
    socket,
    async ask(data) {
      const reply = once(socket, 'message', { signal: AbortSignal.timeout(5_000) });
      socket.send(data, port, host);
      const [bytes, rinfo] = (await reply) as [Buffer, { address: string; port: number }];
      const text = bytes.subarray(0, Math.min(bytes.length, 200)).toString('latin1');
      return { text, bytes, from: `${rinfo.address}:${rinfo.port}` };
    },
    close: () => socket.close(),
  };
}

/** Which replica answered: the reply's `name:` prefix. */
export function answeredBy(text: string): string {
  return text.slice(0, text.indexOf(':'));
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
