import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { buildServer, identifyByCertificate, peerAddresses } from '../../../src/http/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../../../src/pki/index.js';
import { tlsFetch } from '../../../testkit/tls-fetch.js';

// The certificate side of identifying a caller, over real mutual TLS on 127.0.0.1: who a client
// certificate identifies, and what is refused (no certificate, another CA, expired, revoked,
// the wrong role) before any handler runs.

const HOUR = 3_600_000;
const WORKER = '11111111-1111-4111-8111-111111111111';
const MANAGER = '22222222-2222-4222-8222-222222222222';
/** How far the server's clock is moved ahead of the real one. */
let aheadMs = 0;
const revoked = new Set<string>();
let ca: ClusterCa;
let url: string;
type Pem = { cert: string; key: string };
let worker: Pem;
let manager: Pem;
const app = { close: async (): Promise<void> => undefined };

async function issue(by: ClusterCa, nodeId: string, role: CertRole, notAfterMs = Date.now() + HOUR): Promise<Pem> {
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await by.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId,
    role,
    addresses: ['127.0.0.1', 'worker.example'],
    notBeforeMs: Date.now() - 2 * HOUR,
    notAfterMs,
  });
  return { cert, key: keyPem };
}

before(async () => {
  ca = (await ClusterCa.create(Date.now())).ca;
  worker = await issue(ca, WORKER, 'worker');
  manager = await issue(ca, MANAGER, 'manager');
  const server = await issue(ca, MANAGER, 'manager');
  const fastify = buildServer({
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    component: 'worker',
    tls: { ...server, ca: ca.certPem },
    identify: identifyByCertificate({ now: () => Date.now() + aheadMs, isRevoked: (id) => revoked.has(id) }),
  });
  fastify.get('/node', { config: { access: 'node' } }, async (req) => ({
    identity: req.identity,
    addresses: peerAddresses(req),
  }));
  fastify.get('/manager', { config: { access: 'manager' } }, async () => ({ ok: true }));
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  app.close = () => fastify.close();
  url = `https://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
});
after(() => app.close());

async function call(path: string, as: Pem | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await tlsFetch(`${url}${path}`, { tls: { ca: ca.certPem, ...as } });
  return { status: res.status, body: res.json() as Record<string, unknown> };
}

function message(r: { body: Record<string, unknown> }): string {
  return String((r.body.error as { message?: string } | undefined)?.message);
}

test('a worker certificate of this CA identifies its node, role and addresses', async () => {
  const r = await call('/node', worker);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    identity: { kind: 'node', nodeId: WORKER, role: 'worker' },
    addresses: ['127.0.0.1', 'worker.example'],
  });
});

test('no client certificate: 401', async () => {
  const r = await call('/node', undefined);
  assert.equal(r.status, 401);
  assert.match(message(r), /needs a worker certificate of this cluster; the request carried no credentials/);
});

test('a certificate of another CA, for the same node: 401', async () => {
  const other = (await ClusterCa.create(Date.now())).ca;
  const r = await call('/node', await issue(other, WORKER, 'worker'));
  assert.equal(r.status, 401);
  assert.match(message(r), /client certificate refused: it was not issued by this cluster's CA/);
});

test("an expired certificate: 401 at the handshake, and once the server's clock passes its end", async () => {
  const expired = await call('/node', await issue(ca, WORKER, 'worker', Date.now() - HOUR));
  assert.equal(expired.status, 401);
  assert.match(message(expired), /it has expired/);
  aheadMs = 2 * HOUR; // valid when the handshake verifies it, past its end for the server
  try {
    const later = await call('/node', worker);
    assert.equal(later.status, 401);
    assert.match(message(later), new RegExp(`the certificate of node ${WORKER} has expired`));
  } finally {
    aheadMs = 0;
  }
});

test('a revoked node: 401 from the moment it is revoked', async () => {
  revoked.add(WORKER);
  try {
    const r = await call('/node', worker);
    assert.equal(r.status, 401);
    // a code of its own: the worker stops its tasks and exits on it, and on no other refusal
    assert.equal((r.body as { error: { code: string } }).error.code, 'node_removed');
    assert.match(message(r), /removed from the cluster; its certificate is revoked/);
    // the node's worker logs it: what to do is in it
    assert.match(message(r), /to join again, start its worker with an empty --data-dir and a join token/);
  } finally {
    revoked.delete(WORKER);
  }
  assert.equal((await call('/node', worker)).status, 200);
});

test('the wrong role: a worker on a manager route and the manager on a node route are 403', async () => {
  assert.equal((await call('/manager', worker)).status, 403);
  assert.equal((await call('/node', manager)).status, 403);
  assert.equal((await call('/manager', manager)).status, 200);
});

test('GET /healthz stays open to anyone', async () => {
  assert.equal((await call('/healthz', undefined)).status, 200);
});
