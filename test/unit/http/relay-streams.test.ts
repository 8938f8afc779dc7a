import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { HttpClient } from '../../../src/client/http-client.js';
import { buildServer, relayUntilClose } from '../../../src/http/index.js';

// A stream a server passes on from another (the manager's `logs -f` and `exec`, from a worker):
// when the server stops, its client's answer ends whole, or is a 503 saying so, never a reset;
// and the server logs nothing at error level for a stream it ended on purpose.

const STOPPED = 'the manager ended the test stream (it is stopping)';

/** The "worker": `/lines` sends a whole line, then half of one, and holds; `/quiet` never answers. */
async function upstream(t: TestContext): Promise<{ url: string; arrived: Promise<void> }> {
  const held: ServerResponse[] = [];
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    held.push(res);
    arrive();
    if (req.url === '/lines') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"stdout":"first"}\n{"stdout":"cut');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived };
}

/** The "manager": each route passes the upstream's path on; its log lines are in `levels`. */
async function front(t: TestContext, up: string): Promise<{ url: string; close(): Promise<void>; levels: number[] }> {
  const levels: number[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') levels.push((JSON.parse(l) as { level: number }).level);
      done();
    },
  });
  const app = buildServer({ log: pino({ level: 'debug' }, sink), metrics: new Registry(), component: 'manager' });
  const http = new HttpClient(up, () => 'the upstream');
  for (const path of ['/lines', '/quiet'])
    app.get(path, async (req, reply) => {
      const out = await relayUntilClose(req, reply, (signal) => http.stream(path, { signal }), {
        stopped: STOPPED,
        lastLine: JSON.stringify({ error: STOPPED }),
      });
      return reply.type('application/x-ndjson').send(out);
    });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  t.after(close);
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close, levels };
}

/** A GET: its status once in, its first bytes once they came, and its whole body (rejects on a reset). */
function get(url: string): { head: Promise<number>; first: Promise<void>; body: Promise<string> } {
  let head!: (status: number) => void;
  let firstCame!: () => void;
  const status = new Promise<number>((resolve) => (head = resolve));
  const first = new Promise<void>((resolve) => (firstCame = resolve));
  const body = new Promise<string>((resolve, reject) => {
    request(url, (res) => {
      head(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        firstCame();
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  return { head: status, first, body };
}

test('a stopping server ends a stream it passes on whole: whole lines, then its last line; no reset, no error logged', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = get(`${f.url}/lines`);
  assert.equal(await answer.head, 200);
  await answer.first; // the whole first line has come through (the cut one is held back)
  await f.close();
  assert.equal(await answer.body, `{"stdout":"first"}\n${JSON.stringify({ error: STOPPED })}\n`);
  assert.deepEqual(
    f.levels.filter((l) => l >= 40),
    [],
    'nothing at warn or error',
  );
});

test('a stopping server answers a stream not yet answered upstream with 503 server_stopping, logged as no error', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = get(`${f.url}/quiet`);
  await up.arrived; // the request is in, and waits upstream: the server's close ends it
  await f.close();
  assert.equal(await answer.head, 503);
  assert.deepEqual(JSON.parse(await answer.body), {
    error: { code: 'server_stopping', message: STOPPED, retryAfterMs: 1000 },
  });
  assert.deepEqual(
    f.levels.filter((l) => l >= 40),
    [],
    'nothing at warn or error',
  );
});
