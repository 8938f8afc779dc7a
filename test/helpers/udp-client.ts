import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

// A UDP client for the proxy's tests, each on a socket of its own (its own flow, as the proxy keys
// flows by address and port), and who answered: the echo replicas reply `name:datagram`.

export interface UdpClient {
  socket: Socket;
  /** Sends `text` (or bytes) to `host:port`; resolves with the reply and where it came from. */
  ask(data: string | Buffer, timeoutMs?: number): Promise<{ text: string; bytes: Buffer; from: string }>;
  close(): void;
}

/** A client bound to its own port on `from`: one flow as the proxy sees it. */
export async function udpClient(host: string, port: number, from = '127.0.0.1'): Promise<UdpClient> {
  const socket = createSocket('udp4');
  socket.bind({ address: from, port: 0 });
  await once(socket, 'listening');
  return {
    socket,
    async ask(data, timeoutMs = 5_000) {
      // a datagram may be lost: a caller that retries gives a shorter wait (never a test's verdict)
      const reply = once(socket, 'message', { signal: AbortSignal.timeout(timeoutMs) });
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
