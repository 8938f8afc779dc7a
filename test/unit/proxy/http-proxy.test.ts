import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, closeAll, endpoint, EPOCH, httpReplica, metric, serviceView, startRig } from './loopback.js';

// The proxy in http mode over real sockets on the loopback network (see loopback.ts).

interface Reply {
  status: number;
  body: string;
}

function send(
  host: string,
  port: number,
  opts: { agent?: Agent; method?: string; body?: string; from?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: '/x?y=1',
        method: opts.method ?? 'GET',
        agent: opts.agent,
        localAddress: opts.from,
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('http: each request is balanced, over kept-alive upstream connections, with X-Forwarded-For and -Proto', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const b = await httpReplica('b', `${net}.3`, a.port);
  const ports = [{ name: null, port: a.port, protocol: 'http' as const, balance: 'round-robin' as const }];
  const rig = await startRig([
    serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`), endpoint('b', `${net}.3`)]),
  ]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const bodies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const reply = await send(`${net}.1`, a.port, {
        agent,
        from: `${net}.100`,
        headers: { connection: 'keep-alive' },
      });
      assert.equal(reply.status, 200);
      bodies.push(reply.body);
    }
    // one client connection, yet the requests alternate between the replicas
    assert.equal(bodies.filter((x) => x === 'a').length, 10);
    assert.equal(bodies.filter((x) => x === 'b').length, 10);
    // each replica saw its 10 requests on one upstream connection
    for (const r of [a, b]) {
      assert.equal(r.requests.length, 10);
      assert.equal(new Set(r.requests.map((q) => q.socketPort)).size, 1);
      assert.equal(r.requests[0]!.url, '/x?y=1');
      assert.equal(r.requests[0]!.headers['x-forwarded-for'], `${net}.100`);
      assert.equal(r.requests[0]!.headers['x-forwarded-proto'], 'http');
      assert.equal(r.requests[0]!.headers.host, `${net}.1:${a.port}`);
    }
    // an X-Forwarded-For from the client is kept, with the client's address appended
    await send(`${net}.1`, a.port, { from: `${net}.100`, headers: { 'x-forwarded-for': '192.0.2.7' } });
    const last = [...a.requests, ...b.requests].find((q) => q.headers['x-forwarded-for']?.includes('192.0.2.7'));
    assert.equal(last?.headers['x-forwarded-for'], `192.0.2.7, ${net}.100`);
    assert.equal(await metric(rig.registry, 'poseidon_proxy_requests_total', 'web'), 21);
  } finally {
    agent.destroy();
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
});

test('http: a failed connect is retried on another replica, for GET and for a POST whose body was not read yet', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const ports = [{ name: null, port: a.port, protocol: 'http' as const, balance: 'round-robin' as const }];
  const eps = [endpoint('dead', `${net}.9`), endpoint('a', `${net}.2`)];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, eps)]);
  try {
    for (let i = 0; i < 4; i++) assert.deepEqual(await send(`${net}.1`, a.port), { status: 200, body: 'a' });
    assert.deepEqual(await send(`${net}.1`, a.port, { method: 'POST', body: 'payload' }), { status: 200, body: 'a' });
    assert.equal(a.requests.at(-1)?.body, 'payload');
    assert.ok((await metric(rig.registry, 'poseidon_proxy_retries_total', 'web')) >= 1);
    assert.ok((await metric(rig.registry, 'poseidon_proxy_failed_connects_total', 'web')) >= 1);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('http: a GET whose replica fails before answering is retried; a POST is answered 502, not sent twice', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const rude = await httpReplica('rude', `${net}.3`, a.port);
  // a replica that accepts and then drops every request
  rude.server.removeAllListeners('request');
  rude.server.on('request', (req) => req.socket.destroy());
  const ports = [{ name: null, port: a.port, protocol: 'http' as const, balance: 'round-robin' as const }];
  const eps = [endpoint('rude', `${net}.3`), endpoint('a', `${net}.2`)];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, eps)]);
  try {
    for (let i = 0; i < 4; i++) assert.deepEqual(await send(`${net}.1`, a.port), { status: 200, body: 'a' });
    const replies = [];
    for (let i = 0; i < 2; i++) replies.push(await send(`${net}.1`, a.port, { method: 'POST', body: 'once' }));
    assert.deepEqual(
      replies.map((r) => r.status).sort(),
      [200, 502],
      'one POST lands on the rude replica and fails, one on a',
    );
    assert.match(replies.find((r) => r.status === 502)!.body, /replica of service web failed/);
    assert.equal(a.requests.filter((q) => q.method === 'POST').length, 1);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, rude.server]);
  }
});

test('http: no ready replica is a 503 that says so; every replica failing is a 502', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const ports = [{ name: null, port: a.port, protocol: 'http' as const }];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, [endpoint('a', `${net}.2`, 'unhealthy')])]);
  try {
    assert.deepEqual(await send(`${net}.1`, a.port), { status: 503, body: 'no ready replica of service web\n' });
    rig.table.apply({
      type: 'service',
      epoch: EPOCH,
      revision: 2,
      service: serviceView('web', `${net}.1`, ports, [endpoint('d1', `${net}.8`), endpoint('d2', `${net}.9`)]),
    });
    const reply = await send(`${net}.1`, a.port);
    assert.equal(reply.status, 502);
    assert.match(reply.body, /no replica of service web answered \(2 tried; last error: ECONNREFUSED\)/);
    assert.equal(a.requests.length, 0);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server]);
  }
});

test('http draining: a request in flight finishes, new requests go elsewhere, and the idle connection closes', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const b = await httpReplica('b', `${net}.3`, a.port);
  // a answers slowly, when told to
  let release: (() => void) | undefined;
  a.server.removeAllListeners('request');
  a.server.on('request', (_req, res) => {
    release = () => res.end('a');
  });
  const ports = [{ name: null, port: a.port, protocol: 'http' as const, balance: 'round-robin' as const }];
  const eps = [endpoint('a', `${net}.2`), endpoint('b', `${net}.3`)];
  const rig = await startRig([serviceView('web', `${net}.1`, ports, eps)]);
  try {
    const inFlight = send(`${net}.1`, a.port);
    const second = send(`${net}.1`, a.port);
    assert.deepEqual(await second, { status: 200, body: 'b' });
    await waitFor(() => release !== undefined, { what: 'the first request held by a' });
    const draining = [{ ...eps[0]!, state: 'draining' as const }, eps[1]!];
    rig.table.apply({
      type: 'service',
      epoch: EPOCH,
      revision: 2,
      service: serviceView('web', `${net}.1`, ports, draining),
    });
    assert.deepEqual(rig.proxy.openConnections(), { a: 1 });
    for (let i = 0; i < 4; i++) assert.deepEqual(await send(`${net}.1`, a.port), { status: 200, body: 'b' });
    release?.();
    assert.deepEqual(await inFlight, { status: 200, body: 'a' });
    assert.deepEqual(rig.proxy.openConnections(), { a: 0 });
    // the kept-alive connection to the draining replica is not kept
    await waitFor(() => new Promise<boolean>((resolve) => a.server.getConnections((_e, n) => resolve(n === 0))), {
      what: 'no connection left to the draining replica',
    });
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, b.server]);
  }
});
