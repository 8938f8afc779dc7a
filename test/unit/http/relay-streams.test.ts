import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { test, type TestContext } from 'node:test';
import { HttpClient } from '../../../src/client/http-client.js';
import { relayUntilClose, type ServerTls } from '../../../src/http/index.js';
import { assertQuiet, assertStoppedFirst, call, serverWithLevels } from '../../../testkit/stopping-server.js';
import { loopbackTls } from '../../../testkit/test-tls.js';

// A stream a server passes on from another (the manager's `logs -f` and `exec`, from a worker):
// when the server stops, its client's answer ends whole, or is a 503 saying so, never a reset;
// and the server logs nothing at error level for a stream it ended on purpose.

const STOPPED = 'the manager ended the test stream (it is stopping)';

/**
 * The "worker": `/lines` sends a whole line, then half of one, and holds; `/tar` sends a block of
 * an archive and holds; `/head` answers its status line alone and holds; `/quiet` never answers.
 * `closed()`: once the first request's connection is gone.
 */
async function upstream(t: TestContext): Promise<{ url: string; arrived: Promise<void>; closed(): Promise<void> }> {
  const held: ServerResponse[] = [];
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let closed!: () => void;
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    held.push(res);
    res.once('close', closed);
    arrive();
    if (req.url === '/lines') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"stdout":"first"}\n{"stdout":"cut');
    } else if (req.url === '/tar') {
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      res.write(Buffer.alloc(512, 'a'));
    } else if (req.url === '/head') {
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      res.flushHeaders();
    } else if (req.url === '/silent') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived, closed: () => gone };
}

/** The "manager": each route passes the upstream's path on; its log lines are in `levels`. */
async function front(
  t: TestContext,
  up: string,
  tls?: ServerTls,
): Promise<{ url: string; close(): Promise<void>; levels: number[]; answered: Promise<void> }> {
  const { app, levels } = serverWithLevels(tls);
  let upstreamAnswered!: () => void;
  const answered = new Promise<void>((resolve) => (upstreamAnswered = resolve));
  const http = new HttpClient(up, () => 'the upstream');
  const passLines =
    (path: string) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const opened = (signal: AbortSignal): Promise<Readable> =>
        http.stream(path, { signal }).then((s) => {
          upstreamAnswered();
          return s;
        });
      const out = await relayUntilClose(req, reply, opened, {
        stopped: STOPPED,
        lastLine: JSON.stringify({ error: STOPPED }),
      });
      return reply.type('application/x-ndjson').send(out);
    };
  for (const path of ['/lines', '/quiet']) app.get(path, passLines(path));
  // as an exec is called: a POST whose body the server has read
  app.post('/silent', passLines('/silent'));
  // an archive: never ended early as a whole one
  for (const path of ['/tar', '/head'])
    app.get(path, async (req, reply) => {
      const opened = (signal: AbortSignal): Promise<Readable> =>
        http.stream(path, { signal }).then((s) => {
          upstreamAnswered();
          return s;
        });
      const out = await relayUntilClose(req, reply, opened, { stopped: STOPPED, cut: true });
      return reply.type('application/x-tar').send(out);
    });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  t.after(close);
  const scheme = tls === undefined ? 'http' : 'https';
  return { url: `${scheme}://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close, levels, answered };
}

test('a stopping server ends a stream it passes on whole: whole lines, then its last line; no reset, no error logged', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = call(`${f.url}/lines`);
  assert.equal(await answer.head, 200);
  await answer.first; // the whole first line has come through (the cut one is held back)
  await f.close();
  assert.equal(await answer.body, `{"stdout":"first"}\n${JSON.stringify({ error: STOPPED })}\n`);
  assertQuiet(f.levels);
});

test('a stopping server answers a stream not yet answered upstream with 503 server_stopping, logged as no error', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = call(`${f.url}/quiet`);
  await up.arrived; // the request is in, and waits upstream: the server's close ends it
  await f.close();
  await assertStoppedFirst(answer, STOPPED);
  assertQuiet(f.levels);
});

test('a stopping server cuts off an archive it passes on: the client sees it broken, not whole; nothing logged as an error', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = call(`${f.url}/tar`);
  assert.equal(await answer.head, 200);
  await answer.first; // the first block has come through
  await f.close();
  await assert.rejects(answer.body, (err: unknown) => {
    // node's word for an answer whose connection closed before its end
    assert.equal((err as { code?: unknown }).code, 'ECONNRESET', String(err));
    return true;
  });
  assertQuiet(f.levels);
});

test('an archive of which nothing went out yet is answered 503 server_stopping, as a stream not yet answered is', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const answer = call(`${f.url}/head`);
  // answered upstream, but not a byte of the archive: nothing has gone to the client
  await f.answered;
  await new Promise((resolve) => setImmediate(resolve)); // the relay has taken the stream
  await f.close();
  await assertStoppedFirst(answer, STOPPED);
  assertQuiet(f.levels);
});

test('over TLS too, what a stopping server still had to send of a stream it ended reaches the client whole', async (t) => {
  // TLS sends an answer's end after it is written: the server's close must not cut it off
  const tls = await loopbackTls();
  const up = await upstream(t);
  const f = await front(t, up.url, tls);
  const answer = call(`${f.url}/lines`, 'GET', undefined, tls.ca);
  assert.equal(await answer.head, 200);
  await answer.first;
  await f.close();
  assert.equal(await answer.body, `{"stdout":"first"}\n${JSON.stringify({ error: STOPPED })}\n`);
});

test('a client that leaves before the other end answered is no error in the log', async (t) => {
  const up = await upstream(t);
  const f = await front(t, up.url);
  const gone = new AbortController();
  const answer = request(`${f.url}/quiet`, { signal: gone.signal }).on('error', () => undefined);
  answer.end();
  await up.arrived;
  const passedOn = up.closed(); // the relay lets go of the other end as its client goes
  gone.abort();
  await passedOn;
  await f.close();
  assertQuiet(f.levels);
});

test('a client that leaves once the other end answered, before a byte of output, is no error in the log', async (t) => {
  // `poseidon exec TASK sleep 60`, then Ctrl-C: the worker logged "request failed" with a stack
  // (ERR_STREAM_PREMATURE_CLOSE), as for a bug, since its answer had not begun
  const up = await upstream(t);
  const f = await front(t, up.url);
  const gone = new AbortController();
  const answer = request(`${f.url}/silent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    signal: gone.signal,
  }).on('error', () => undefined);
  answer.end('{"command":["sleep","60"]}');
  await f.answered; // the other end answered, and has sent nothing yet
  const passedOn = up.closed();
  gone.abort();
  await passedOn;
  await f.close();
  assertQuiet(f.levels);
});
