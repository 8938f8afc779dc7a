import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, endpoint, serviceView, startRig } from './loopback.js';

// The http mode reads every replica connection into one shared buffer: what must outlive a read
// (a head cut across reads, body bytes still to be written) must be a copy, or the next read on
// any connection overwrites it. These answers come in pieces, on two connections at once, to
// clients that do not read at first, and must arrive byte for byte. (A head cut across reads
// fails here without its copy; a body chunk's copy guards a write queued behind a pending one,
// which loopback's large socket buffers make hard to force in a test.)

/** `length` bytes no two answers share at the same offset. */
function pattern(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) % 251;
  return out;
}

const BODIES = [pattern(1, 4 * 1024 * 1024), pattern(2, 5), pattern(3, 300 * 1024)];

/** A replica that answers each request on a connection in turn (`GET /n`: the nth body), its head cut in two, its body in pieces. */
async function piecewiseReplica(host: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let seen = '';
    let answered = 0;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const paths = [...seen.matchAll(/^GET \/(\d) /gm)].map((m) => Number(m[1]));
      for (; answered < paths.length; answered++) {
        const seq = (paths[answered] as number) - 1;
        const body = BODIES[seq] as Buffer;
        queue = queue.then(async () => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Le`);
          await sleep(20);
          socket.write(`ngth: ${body.length}\r\nX-Seq: ${seq}\r\nConnection: keep-alive\r\n\r\n`);
          socket.write(body.subarray(0, 3));
          await sleep(10);
          // small pieces, apart: small reads at the proxy while its writes to the client wait
          for (let at = 3; at < body.length; at += 4096) {
            if (!socket.write(body.subarray(at, at + 4096))) await once(socket, 'drain');
            else if (at % 65536 === 3) await new Promise(setImmediate);
          }
        });
      }
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

test('http answers in pieces, to a client slow to read, arrive byte for byte', async () => {
  const net = block();
  const replica = await piecewiseReplica(`${net}.2`);
  const ports = [{ name: null, port: replica.port, protocol: 'http' as const }];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`)])]);
  // a second client on the same replica at the same time: its reads land in the same buffer
  const clients = [0, 1].map(() => connect({ host: `${net}.1`, port: replica.port }));
  try {
    const got = clients.map((socket) => {
      const chunks: Buffer[] = [];
      socket.pause(); // not read at first: the proxy's writes to it queue up
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.write(
        'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      return chunks;
    });
    await sleep(200);
    for (const socket of clients) socket.resume();
    // complete: three heads, and after each the bytes its Content-Length says
    const complete = (chunks: Buffer[]): boolean => {
      let rest = Buffer.concat(chunks);
      for (let i = 0; i < BODIES.length; i++) {
        const end = rest.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(rest.toString('latin1', 0, Math.max(0, end)))?.[1]);
        if (end < 0 || !(rest.length >= end + 4 + length)) return false;
        rest = rest.subarray(end + 4 + length);
      }
      return true;
    };
    await waitFor(() => got.every(complete), { timeoutMs: 10_000, what: 'every answer at both clients' });
    for (const chunks of got) {
      let rest = Buffer.concat(chunks);
      for (const [i, body] of BODIES.entries()) {
        const end = rest.indexOf('\r\n\r\n');
        assert.ok(end > 0, `answer ${i} has a head`);
        const head = rest.toString('latin1', 0, end);
        assert.match(head, new RegExp(`^HTTP/1.1 200 OK\\r\\ncontent-length: ${body.length}\\r\\nx-seq: ${i}$`, 'i'));
        assert.ok(rest.subarray(end + 4, end + 4 + body.length).equals(body), `answer ${i}'s body, byte for byte`);
        rest = rest.subarray(end + 4 + body.length);
      }
      assert.equal(rest.length, 0);
    }
  } finally {
    for (const socket of clients) socket.destroy();
    await rig.proxy.close();
    await replica.close();
  }
});
