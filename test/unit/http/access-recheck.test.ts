import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer, endsWhenRefused, relayUntilClose, type Identity } from '../../../src/http/index.js';
import { EventStreams } from '../../../src/manager/event-stream.js';
import { EventBus } from '../../../src/manager/events.js';
import { EXEC_END, LOGS_END } from '../../../src/manager/stopped-streams.js';

// A request is checked before its handler; a stream it opens may run for hours. Every open request
// of a server with recheckAccessMs whose route may stay open (longLived) is asked again while it runs: one whose token was revoked (or
// expired) meanwhile ends, as its route says (events and logs whole, an exec with a line saying
// why), or else its connection is cut. Others, and other callers', go on.

const REVOKED: Identity = { kind: 'anonymous', rejected: { reason: 'token doomed was revoked', tokenId: 'doomed' } };

/** A server whose `x-token` names the caller's token; `revoked` holds those refused now. */
async function serve(
  t: TestContext,
  revoked: Set<string>,
): Promise<{ url: string; sources: Map<string, PassThrough> }> {
  const app = buildServer({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    component: 'manager',
    recheckAccessMs: 20,
    identify: (req) => {
      const token = String(req.headers['x-token'] ?? '');
      if (token === '') return { kind: 'anonymous' };
      return revoked.has(token) ? REVOKED : { kind: 'token', tokenId: token, scope: 'deploy' };
    },
  });
  /** The worker's side of each relay, by path and token. */
  const sources = new Map<string, PassThrough>();
  const source = (req: FastifyRequest): PassThrough => {
    const s = new PassThrough();
    sources.set(`${req.url} ${String(req.headers['x-token'])}`, s);
    s.write('first\n');
    return s;
  };
  const events = new EventStreams({ bus: new EventBus(100), log: pino({ level: 'silent' }), metrics: new Registry() });
  app.get('/events', { config: { access: 'read', longLived: true } }, async (req, reply) => events.serve(req, reply));
  app.get('/logs', { config: { access: 'read', longLived: true } }, async (req, reply) =>
    reply.send(await relayUntilClose(req, reply, async () => source(req), LOGS_END)),
  );
  app.get('/exec', { config: { access: 'deploy', longLived: true } }, async (req, reply) =>
    reply.send(await relayUntilClose(req, reply, async () => source(req), EXEC_END)),
  );
  // a route that says nothing of how it ends: cut off
  app.get('/held', { config: { access: 'read', longLived: true } }, async (_req, reply) => {
    reply.raw.writeHead(200);
    reply.raw.write('held\n');
    return reply;
  });
  // a route not said to stay open is not tracked (every request's cost): it ends by the server's timeouts
  app.get('/short', { config: { access: 'read' } }, async (_req, reply) => {
    reply.raw.writeHead(200);
    reply.raw.write('short\n');
    return reply;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, sources };
}

/** What the stream sent, and how it ended: whole, or cut off. */
function read(url: string, token: string): Promise<{ text: string; ended: 'whole' | 'cut' }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'x-token': token } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), ended: 'whole' }));
      res.on('error', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), ended: 'cut' }));
    })
      .on('error', reject)
      .end();
  });
}

test('a stream whose token is refused since it opened ends as its route says; another go on', async (t) => {
  const revoked = new Set<string>();
  const { url, sources } = await serve(t, revoked);
  const events = read(`${url}/events`, 'doomed');
  const logs = read(`${url}/logs`, 'doomed');
  const exec = read(`${url}/exec`, 'doomed');
  const held = read(`${url}/held`, 'doomed');
  let short: 'open' | 'ended' = 'open';
  void read(`${url}/short`, 'doomed').finally(() => (short = 'ended'));
  let kept: 'open' | 'ended' = 'open';
  const other = read(`${url}/logs`, 'kept').finally(() => (kept = 'ended'));
  await waitUntil(() => sources.size === 3);
  // rechecked several times while allowed: all stay open
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const s of sources.values()) s.write('more\n');
  revoked.add('doomed');
  assert.deepEqual(await events, { text: '', ended: 'whole' });
  assert.deepEqual(await logs, { text: 'first\nmore\n', ended: 'whole' });
  const execOut = await exec;
  assert.equal(execOut.ended, 'whole');
  const lines = execOut.text.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.slice(0, 2), ['first', 'more']);
  assert.deepEqual(JSON.parse(lines[2] ?? 'null'), {
    error: 'the manager ended the exec stream: token doomed was revoked; the command may still run in the container',
  });
  assert.equal((await held).ended, 'cut');
  // the worker's streams of the ended ones were let go; the other caller's goes on
  assert.deepEqual([...sources].map(([key, s]) => [key, s.destroyed]).sort(), [
    ['/exec doomed', true],
    ['/logs doomed', true],
    ['/logs kept', false],
  ]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(kept, 'open');
  assert.equal(short, 'open', 'a route not said to stay open is not asked again');
  sources.get('/logs kept')?.end('last\n');
  assert.deepEqual(await other, { text: 'first\nmore\nlast\n', ended: 'whole' });
});

/** Yields to i/o until `ok` holds, a bounded number of tries. */
async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(ok(), 'the condition came true');
}
