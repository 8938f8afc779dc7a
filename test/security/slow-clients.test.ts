import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer, SERVER_TIMEOUTS } from '../../src/http/index.js';

// Clients that hold a connection without finishing a request (slowloris), trickle a body, or sit
// idle: every Poseidon server cuts them off (408 where a request was started) instead of holding
// a socket for them forever. The deadlines are shortened here; the production values are checked
// on a server built with the defaults.

const SHORT = { headersMs: 300, requestMs: 600, idleMs: 400, keepAliveMs: 200, checkEveryMs: 50 };

/** A raw connection: what the server sent, and a promise that settles when it closes. */
function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
  });
}

/** Writes `piece` every 50 ms until the socket closes: activity enough that only a request deadline ends it. */
function trickle(socket: Socket, piece: string): void {
  const timer = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) clearInterval(timer);
    else socket.write(piece);
  }, 50);
  socket.once('close', () => clearInterval(timer));
}

describe('a server cuts off clients that are slow on purpose', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = buildServer({
      log: pino({ level: 'silent' }),
      metrics: new Registry(),
      component: 'manager',
      timeouts: SHORT,
    });
    app.post('/echo', async (req) => req.body);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
  });

  test('headers sent a line at a time, never finished, get 408 and the connection closed', async () => {
    const c = await open(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    trickle(c.socket, 'X-Slow: 1\r\n');
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('a body trickled slower than the request deadline gets 408 and the connection closed', async () => {
    const c = await open(port);
    c.socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"',
    );
    trickle(c.socket, 'xxxxxxxxxx');
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('a connection that never sends anything is closed', async () => {
    const c = await open(port);
    await c.closed;
    // the headers deadline counts from the connection, so it may answer 408 before the idle deadline closes it
    assert.ok(c.received() === '' || c.received().startsWith('HTTP/1.1 408 '), c.received());
  });

  test('an idle keep-alive connection is closed after its request was answered', async () => {
    const c = await open(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 200 /);
  });

  test('a client that keeps to the deadlines is answered', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { a: 1 });
  });
});

test('every server holds clients to the production deadlines by default', async () => {
  const app = buildServer({ log: pino({ level: 'silent' }), metrics: new Registry(), component: 'worker' });
  try {
    assert.deepEqual(SERVER_TIMEOUTS, {
      headersMs: 10_000,
      requestMs: 60_000,
      idleMs: 120_000,
      keepAliveMs: 65_000,
      checkEveryMs: 1_000,
    });
    assert.equal(app.server.headersTimeout, 10_000);
    assert.equal(app.server.requestTimeout, 60_000);
    assert.equal(app.server.timeout, 120_000);
    assert.equal(app.server.keepAliveTimeout, 65_000);
  } finally {
    await app.close();
  }
});
