import { once } from 'node:events';
import { connect } from 'node:tls';

// A worker's tunnel (GET /tunnel/{taskId}/{port}, an upgrade) asked as anyone may ask it, for the
// tests of who and what it refuses: the answer's status, and its body or what followed a 101.

/** An upgrade request as anyone may send it; resolves with the answer's status and body (or what followed a 101). */
export async function askTunnel(
  port: number,
  path: string,
  tls: { ca: string; cert?: string; key?: string },
  headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'poseidon-tunnel/1' },
): Promise<{ status: number; text: string }> {
  const socket = connect({ host: '127.0.0.1', port, ...tls, checkServerIdentity: () => undefined });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`);
  let got = '';
  socket.setEncoding('utf8');
  return new Promise((resolve) => {
    const done = (): void => {
      const status = Number(/^HTTP\/1\.1 ([0-9]{3})/.exec(got)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, text: got.slice(got.indexOf('\r\n\r\n') + 4) });
    };
    socket.on('data', (c: string) => {
      got += c;
      // a 101 is followed by the replica's greeting line
      if (got.startsWith('HTTP/1.1 101') && /\r\n\r\n.*\n/s.test(got)) done();
    });
    socket.on('close', done);
  });
}
