import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  allows,
  anyIdentity,
  buildServer,
  type Access,
  type Identify,
  type Identity,
} from '../../../src/http/index.js';

const SECRET = 'psdn_0123456789ab_s3cr3ts3cr3ts3cr3ts3cr3ts3cr3ts3cr3ts3cr3ts3c';

const ANON: Identity = { kind: 'anonymous' };
const READ: Identity = { kind: 'token', tokenId: 'r1', scope: 'read' };
const DEPLOY: Identity = { kind: 'token', tokenId: 'd1', scope: 'deploy' };
const ADMIN: Identity = { kind: 'token', tokenId: 'a1', scope: 'admin' };
const WORKER: Identity = { kind: 'node', nodeId: 'w1', role: 'worker' };
const MANAGER: Identity = { kind: 'node', nodeId: 'm1', role: 'manager' };

test('each access admits exactly the callers it names; scopes include the ones below them', () => {
  const callers = { ANON, READ, DEPLOY, ADMIN, WORKER, MANAGER };
  const admitted: Record<Access, string[]> = {
    open: ['ANON', 'READ', 'DEPLOY', 'ADMIN', 'WORKER', 'MANAGER'],
    read: ['READ', 'DEPLOY', 'ADMIN'],
    deploy: ['DEPLOY', 'ADMIN'],
    admin: ['ADMIN'],
    node: ['WORKER'],
    manager: ['MANAGER'],
  };
  for (const [access, names] of Object.entries(admitted) as Array<[Access, string[]]>) {
    const got = Object.entries(callers)
      .filter(([, identity]) => allows(access, identity))
      .map(([name]) => name);
    assert.deepEqual(got, names, access);
  }
});

/** A guarded server whose callers say who they are in an `x-who` header (READ, ADMIN, ...); the log lines it wrote. */
async function guarded(t: { after(fn: () => Promise<void>): void }): Promise<{
  app: FastifyInstance;
  lines: Array<Record<string, unknown>>;
  handled: string[];
}> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const who: Record<string, Identity> = { READ, DEPLOY, ADMIN, WORKER, MANAGER };
  const identify: Identify = (req) => {
    const name = req.headers['x-who'];
    if (typeof name === 'string' && who[name] !== undefined) return who[name];
    if (req.headers.authorization !== undefined)
      return { kind: 'anonymous', rejected: { reason: 'token 0123456789ab was revoked', tokenId: '0123456789ab' } };
    return ANON;
  };
  const app = buildServer({
    log: pino({ level: 'info' }, sink),
    metrics: new Registry(),
    component: 'manager',
    identify,
  });
  const handled: string[] = [];
  for (const access of ['read', 'deploy', 'admin', 'node', 'manager'] as const) {
    app.get(`/${access}`, { config: { access } }, async () => {
      handled.push(access);
      return { ok: true };
    });
  }
  app.delete('/nodes/:id', { config: { access: 'admin' } }, async () => {
    handled.push('delete');
    return { ok: true };
  });
  await app.ready();
  t.after(() => app.close());
  return { app, lines, handled };
}

test('no credentials: 401 with a Bearer challenge, and the handler never runs', async (t) => {
  const { app, handled } = await guarded(t);
  const res = await app.inject({ method: 'GET', url: '/deploy' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="poseidon"');
  assert.deepEqual(res.json(), {
    error: {
      code: 'unauthenticated',
      message: 'GET /deploy needs a token with scope deploy or above; the request carried no credentials',
    },
  });
  assert.deepEqual(handled, []);
});

test('credentials that were not accepted: 401 saying why', async (t) => {
  const { app } = await guarded(t);
  const res = await app.inject({ method: 'GET', url: '/read', headers: { authorization: `Bearer ${SECRET}` } });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { error: { code: 'unauthenticated', message: 'token 0123456789ab was revoked' } });
});

test('a known caller the route does not allow: 403 naming what it needs; enough scope reaches the handler', async (t) => {
  const { app, handled } = await guarded(t);
  const refused = await app.inject({ method: 'GET', url: '/deploy', headers: { 'x-who': 'READ' } });
  assert.equal(refused.statusCode, 403);
  assert.deepEqual(refused.json(), {
    error: {
      code: 'forbidden',
      message: 'token r1 (scope read) may not call GET /deploy: it needs a token with scope deploy or above',
    },
  });
  const node = await app.inject({ method: 'GET', url: '/admin', headers: { 'x-who': 'WORKER' } });
  assert.equal(node.statusCode, 403);
  const asToken = await app.inject({ method: 'GET', url: '/manager', headers: { 'x-who': 'ADMIN' } });
  assert.equal(asToken.statusCode, 403, 'an admin token is not a manager certificate');
  assert.deepEqual(handled, []);
  for (const [url, who] of [
    ['/read', 'DEPLOY'],
    ['/deploy', 'ADMIN'],
    ['/node', 'WORKER'],
    ['/manager', 'MANAGER'],
  ] as const) {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-who': who } });
    assert.equal(res.statusCode, 200, `${who} ${url}`);
  }
  assert.deepEqual(handled, ['read', 'deploy', 'node', 'manager']);
});

test('a refusal names the method and path called, not the route pattern; the log line keeps both', async (t) => {
  const { app, lines, handled } = await guarded(t);
  const url = '/nodes/worker-1?force=true';
  const refused = await app.inject({ method: 'DELETE', url, headers: { 'x-who': 'DEPLOY' } });
  assert.equal(refused.statusCode, 403);
  assert.equal(
    refused.json<{ error: { message: string } }>().error.message,
    'token d1 (scope deploy) may not call DELETE /nodes/worker-1: it needs a token with scope admin',
  );
  const anonymous = await app.inject({ method: 'DELETE', url });
  assert.equal(
    anonymous.json<{ error: { message: string } }>().error.message,
    'DELETE /nodes/worker-1 needs a token with scope admin; the request carried no credentials',
  );
  const refusals = lines.filter((l) => l.msg === 'request refused');
  assert.deepEqual(
    refusals.map((l) => [l.route, l.path]),
    [
      ['DELETE /nodes/:id', 'DELETE /nodes/worker-1'],
      ['DELETE /nodes/:id', 'DELETE /nodes/worker-1'],
    ],
  );
  assert.deepEqual(handled, []);
});

test('HEAD of a guarded GET is guarded too; /healthz is open; an unknown route is a 404 for anyone', async (t) => {
  const { app } = await guarded(t);
  assert.equal((await app.inject({ method: 'HEAD', url: '/read' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401, '/metrics wants read');
  assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-who': 'READ' } })).statusCode, 200);
  const unknown = await app.inject({ method: 'GET', url: '/nowhere' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'not_found');
});

test('--metrics-open serves /metrics to anyone', async (t) => {
  const app = buildServer({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    component: 'manager',
    identify: () => ANON,
    metricsAccess: 'open',
  });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
});

test('each refusal is one info line with the route and the token id, never the secret', async (t) => {
  const { app, lines } = await guarded(t);
  await app.inject({ method: 'GET', url: '/admin', headers: { authorization: `Bearer ${SECRET}` } });
  await app.inject({ method: 'GET', url: '/admin', headers: { 'x-who': 'DEPLOY', authorization: `Bearer ${SECRET}` } });
  const refusals = lines.filter((l) => l.msg === 'request refused');
  assert.equal(lines.length, 2, JSON.stringify(lines));
  assert.deepEqual(
    refusals.map((l) => [l.level, l.code, l.route, l.tokenId]),
    [
      [30, 'unauthenticated', 'GET /admin', '0123456789ab'],
      [30, 'forbidden', 'GET /admin', 'd1'],
    ],
  );
  assert.ok(!JSON.stringify(lines).includes('s3cr3t'), JSON.stringify(lines));
});

test('a route that declares no access is refused at registration, not served open', async () => {
  const app = buildServer({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    component: 'manager',
    identify: () => ANON,
  });
  await assert.rejects(
    (async () => {
      app.get('/forgotten', async () => ({ open: 'door' }));
      await app.ready();
    })(),
    /GET \/forgotten declares no access/,
  );
  await app.close();
});

test('anyIdentity: the first way that knows the caller wins; otherwise the first rejection is kept', () => {
  const rejected: Identity = { kind: 'anonymous', rejected: { reason: 'bad certificate', nodeId: 'w9' } };
  const later: Identity = { kind: 'anonymous', rejected: { reason: 'bad token' } };
  const req = {} as Parameters<Identify>[0];
  const of =
    (identity: Identity): Identify =>
    () =>
      identity;
  assert.deepEqual(anyIdentity(of(ANON), of(READ))(req), READ);
  assert.deepEqual(anyIdentity(of(WORKER), of(READ))(req), WORKER);
  assert.deepEqual(anyIdentity(of(ANON), of(rejected), of(later))(req), rejected);
  assert.deepEqual(anyIdentity(of(ANON), of(ANON))(req), ANON);
});
