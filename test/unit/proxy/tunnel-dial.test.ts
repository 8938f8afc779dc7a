import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { httpsOptions } from '../../../src/http/server-tls.js';
import { dialTunnel, TunnelRefused } from '../../../src/proxy/tunnel-dial.js';
import { cluster } from './mesh-rig.js';

// The proxy's side of a tunnel reads the worker's answer with the http mode's strict head parser:
// a 101 opens it (the bytes after the head are the replica's), and anything else, a non-101 or a
// head that is not well-formed HTTP, is a failed connect (TunnelRefused), the socket destroyed.

/** What the fake worker answers to the next tunnel request, once its head is in. */
let answer: (socket: TLSSocket) => void = () => {};
let server: Server;
let tls: { ca: string; cert: string; key: string };
/** The node the fake worker's certificate names. */
const WORKER_NODE = '44444444-4444-4444-8444-444444444444';
/** Tunnel requests the fake worker got. */
let asked = 0;

before(async () => {
  const c = await cluster();
  server = createServer(httpsOptions({ ...(await c.issue('worker', WORKER_NODE)), ca: c.ca }), (socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      asked += 1;
      answer(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  tls = { ca: c.ca, ...(await c.issue('worker')) };
});
after(() => server.close());

/** Dials the fake worker: what opened (the early bytes), or the error the socket ended with. */
async function dial(nodeId?: string): Promise<{ early: string } | { error: unknown }> {
  const port = (server.address() as AddressInfo).port;
  const target = {
    taskId: 't1',
    address: '10.0.0.2',
    port: 80,
    key: '10.0.0.2:80@h2',
    via: { host: '127.0.0.1', hostname: '127.0.0.1', port, ...(nodeId === undefined ? {} : { nodeId }) },
  };
  return new Promise((resolve) => {
    const socket = dialTunnel(target, tls, {
      open: (s, early) => {
        resolve({ early: early.toString('latin1') });
        s.destroy();
      },
    });
    socket.on('error', (error) => resolve({ error }));
  });
}

function refused(got: { early: string } | { error: unknown }): TunnelRefused {
  assert.ok('error' in got, 'the tunnel opened');
  assert.ok(got.error instanceof TunnelRefused, String(got.error));
  return got.error;
}

test("a 101 opens the tunnel; the bytes after its head are the replica's already", async () => {
  answer = (s) =>
    s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: poseidon-tunnel/1\r\n\r\nhi');
  assert.deepEqual(await dial(), { early: 'hi' });
});

test('a refusal is a failed connect with its status and the words of its error body', async () => {
  const body = JSON.stringify({ error: { code: 'task_not_found', message: 'no service replica t1 here' } });
  answer = (s) =>
    s.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const err = refused(await dial());
  assert.deepEqual(
    [err.status, err.code, err.message],
    [404, 'TUNNEL_404', 'tunnel refused: 404 no service replica t1 here'],
  );
});

test('a head that is not well-formed HTTP is a failed connect, a 101 status line before it too', async () => {
  const cases: Array<[string, string]> = [
    // a 101 whose header lines are broken: the old reader looked at the status line alone and opened it
    ['HTTP/1.1 101 Switching Protocols\r\nUpgrade poseidon-tunnel/1\r\n\r\n', 'malformed header line'],
    ['HTTP/1.1 101 Switching Protocols\r\nUp grade: x\r\n\r\n', 'malformed header name'],
    ['HTTP/1.1 1O1 Switching Protocols\r\n\r\n', 'malformed status line'],
    ['SSH-2.0-OpenSSH_9.6\r\n\r\n', 'malformed status line'],
  ];
  for (const [text, why] of cases) {
    answer = (s) => s.write(text);
    const err = refused(await dial());
    assert.deepEqual(
      [err.status, err.code, err.message],
      [0, 'ETUNNEL', `the worker's answer is not HTTP: ${why}`],
      text,
    );
  }
});

test('no head (too long, or the connection ended first) is a failed connect', async () => {
  answer = (s) => s.write(`HTTP/1.1 101 Switching Protocols\r\nX: ${'a'.repeat(17 * 1024)}`);
  assert.equal(refused(await dial()).message, 'the worker answered no HTTP head');
  answer = (s) => s.end('HTTP/1.1 101 Switching');
  assert.equal(refused(await dial()).message, 'the worker closed the tunnel before answering');
});

test("a tunnel to a replica's node goes only to that node's certificate, not another worker's at its URL", async () => {
  answer = (socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: poseidon-tunnel/1\r\n\r\n');
  const before = asked;
  const other = await dial('55555555-5555-4555-8555-555555555555');
  assert.ok('error' in other, 'the tunnel opened');
  assert.match(String(other.error), /presents node 44444444-4444-4444-8444-444444444444's certificate, not 5{8}-/);
  assert.equal(asked, before, 'the worker was asked nothing');
  assert.ok('early' in (await dial(WORKER_NODE)), 'its own node opens it');
  assert.equal(asked, before + 1);
});
