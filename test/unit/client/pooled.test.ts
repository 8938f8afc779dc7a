import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { HttpClient, poolConnections, ServerNotTrusted, ServerUnreachable } from '../../../src/client/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../../../src/pki/index.js';

// HttpClient's JSON calls through undici's pool (what `poseidon manager` and `poseidon worker`
// use to call each other), over real mutual TLS on 127.0.0.1: the answers, the errors and the
// failover are the ones node:http's path gives.

const HOUR = 3_600_000;
const NODE = '33333333-3333-4333-8333-333333333333';
type Pem = { cert: string; key: string };
let ca: ClusterCa;
let client: Pem;
let server: Server;
let otherServer: Server;
let url: string;
let otherCaUrl: string;
/** A port nothing listens on. */
let closedUrl: string;
const seen: Array<{ method: string; path: string; authorization?: string; type?: string; peer?: string }> = [];

async function issue(by: ClusterCa, role: CertRole): Promise<Pem> {
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await by.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: NODE,
    role,
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - HOUR,
    notAfterMs: Date.now() + HOUR,
  });
  return { cert, key: keyPem };
}

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

before(async () => {
  await poolConnections();
  ca = (await ClusterCa.create(Date.now())).ca;
  client = await issue(ca, 'worker');
  const serverPem = await issue(ca, 'manager');
  server = createServer({ ...serverPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
    const peer = Array.isArray(cn) ? cn.join() : cn;
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
      ...(req.headers['content-type'] === undefined ? {} : { type: req.headers['content-type'] }),
      ...(peer === undefined ? {} : { peer }),
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (path === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ got: body === '' ? null : (JSON.parse(body) as unknown) }));
      } else if (path === '/conflict') {
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'conflict', message: 'it is taken' } }));
      } else if (path === '/redirect') {
        res.writeHead(302, { location: 'https://127.0.0.1:1/elsewhere' });
        res.end();
      } else if (path === '/hang-up') {
        req.socket.destroy();
      } else if (path === '/empty') {
        res.writeHead(204);
        res.end();
      } // '/silent': never answers
    });
  });
  url = await listen(server);
  const stranger = (await ClusterCa.create(Date.now())).ca;
  otherServer = createServer({ ...(await issue(stranger, 'manager')), ca: stranger.certPem }, (_req, res) => {
    res.end('{}');
  });
  otherCaUrl = await listen(otherServer);
  const probe = createServer();
  closedUrl = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

after(async () => {
  server.closeAllConnections();
  otherServer.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => otherServer.close(() => resolve()));
});

function http(base: string, timeoutMs = 2_000, serverRole: CertRole = 'manager'): HttpClient {
  return new HttpClient(base, (u) => `test server at ${u}`, timeoutMs, {
    token: 'secret-token',
    tls: { ca: ca.certPem, ...client, serverRole },
  });
}

test('a JSON call goes out with its body, token and client certificate, and its answer comes back parsed', async () => {
  seen.length = 0;
  const answer = await http(url).request<{ got: unknown }>('POST', '/echo', { body: { a: 1 }, query: { q: 'x y' } });
  assert.deepEqual(answer, { got: { a: 1 } });
  assert.deepEqual(seen, [
    { method: 'POST', path: '/echo?q=x+y', authorization: 'Bearer secret-token', type: 'application/json', peer: NODE },
  ]);
  assert.equal(await http(url).request('DELETE', '/empty'), null);
});

test("a server's error answer is a RemoteError with its code, status and message", async () => {
  await assert.rejects(http(url).request('POST', '/conflict', { body: {} }), (err: unknown) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.code, 'conflict');
    assert.equal(err.status, 409);
    assert.equal(err.message, 'it is taken');
    return true;
  });
});

test('a redirect is not followed', async () => {
  seen.length = 0;
  await assert.rejects(http(url).request('GET', '/redirect'), (err: unknown) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.code, 'bad_answer');
    return true;
  });
  assert.equal(seen.length, 1);
});

test('a server that is not there is unreachable, and a list goes on to the next server', async () => {
  await assert.rejects(http(closedUrl).request('GET', '/echo'), ServerUnreachable);
  const twoServers = http(`${closedUrl},${url}`);
  assert.deepEqual(await twoServers.request('GET', '/echo'), { got: null });
  assert.equal(twoServers.baseUrl, url);
});

test('two calls that find the first server down at once both go on to the next (not back to it)', async () => {
  const twoServers = http(`${closedUrl},${url}`);
  const answers = await Promise.all([twoServers.request('GET', '/echo'), twoServers.request('GET', '/echo')]);
  assert.deepEqual(answers, [{ got: null }, { got: null }]);
  assert.equal(twoServers.baseUrl, url);
});

test('a call every server of a list failed goes round the list again, for a group whose leader comes back', async () => {
  const probe = createServer();
  const laterUrl = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const late = createServer({ ...(await issue(ca, 'manager')), ca: ca.certPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"late":true}');
  });
  const port = Number(new URL(laterUrl).port);
  // no sleep in the test's own path: the server comes up while the call goes round
  const up = new Promise<void>((resolve) => setTimeout(() => late.listen(port, '127.0.0.1', resolve), 600));
  try {
    assert.deepEqual(await http(`${closedUrl},${laterUrl}`, 10_000).request('GET', '/late'), { late: true });
  } finally {
    await up;
    late.closeAllConnections();
    await new Promise<void>((resolve) => late.close(() => resolve()));
  }
  // one server alone is not a group: still unreachable (the wait for a group is not timed here)
  await assert.rejects(http(closedUrl, 10_000).request('GET', '/echo'), ServerUnreachable);
});

test('no answer within the deadline, or a connection closed before the answer, is unreachable', async () => {
  const started = Date.now();
  await assert.rejects(http(url, 300).request('GET', '/silent'), ServerUnreachable);
  assert.ok(Date.now() - started >= 250);
  await assert.rejects(http(url).request('GET', '/hang-up'), ServerUnreachable);
});

test('a server of another CA, or of the wrong role, is not trusted, and is sent nothing', async () => {
  await assert.rejects(http(otherCaUrl).request('GET', '/echo'), (err: unknown) => {
    assert.ok(err instanceof ServerNotTrusted, String((err as Error).cause));
    assert.equal(err.otherCa, true);
    return true;
  });
  seen.length = 0;
  await assert.rejects(http(url, 2_000, 'worker').request('GET', '/echo'), (err: unknown) => {
    assert.ok(err instanceof ServerNotTrusted);
    assert.match(err.message, /not a worker certificate of this cluster/);
    return true;
  });
  assert.equal(seen.length, 0);
});
