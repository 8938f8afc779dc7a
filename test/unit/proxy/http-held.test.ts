import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { HOLD_KNOWN_MS, HOLD_MAX_BYTES, HOLD_MS, holdMs } from '../../../src/proxy/held-answer.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { block, closeAll, endpoint, httpReplica, metric, serviceView, startRig } from './loopback.js';

// A GET's answer is kept back until its body is complete (src/proxy/held-answer.ts): a replica
// killed between the head of its answer and the end of the body has sent the client nothing yet,
// so the request goes to another replica, even after a stall (an answer of known length waits up
// to HOLD_KNOWN_MS). An answer whose body is slow to end still reaches the client as it comes,
// only later.

const ports = (port: number) => [{ name: null, port, protocol: 'http' as const, balance: 'round-robin' as const }];

function get(host: string, port: number, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('http: a GET whose replica dies in the middle of its answer is answered whole by another replica', async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const dying = await httpReplica('dying', `${net}.3`, a.port);
  dying.server.removeAllListeners('request');
  let cut = 0;
  // the head and half the body, then the connection is cut (as when the replica is killed -9)
  dying.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    cut += 1;
    res.writeHead(200, { 'content-length': '10' });
    res.write('half ', () => res.socket?.destroy());
  });
  const rig = await startRig([
    serviceView('web', `${net}.1`, ports(a.port), [endpoint('dying', `${net}.3`), endpoint('a', `${net}.2`)]),
  ]);
  try {
    // round-robin: requests start on the dying replica too; each is answered whole by a
    for (let i = 0; i < 4; i++)
      assert.deepEqual(await get(`${net}.1`, a.port).then((r) => [r.status, r.body]), [200, 'a']);
    assert.ok(cut >= 1, 'the dying replica was asked');
    assert.equal(await metric(rig.registry, 'poseidon_proxy_retries_total', 'web'), cut);
    // a POST cannot be sent twice: its answer goes on as it comes, and the client sees it cut
    const post = await Promise.allSettled([get(`${net}.1`, a.port, 'POST'), get(`${net}.1`, a.port, 'POST')]);
    assert.deepEqual(post.map((p) => p.status).sort(), ['fulfilled', 'rejected']);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, dying.server]);
  }
});

test(`http: an answer of known length from a replica that stalls past ${HOLD_MS} ms, then dies, is still answered whole`, async () => {
  const net = block();
  const a = await httpReplica('a', `${net}.2`, 0);
  const stalling = await httpReplica('stalling', `${net}.3`, a.port);
  stalling.server.removeAllListeners('request');
  let cut = 0;
  // the head and half the body, then nothing for longer than a stream is held (every sweep of the
  // pool has passed it), then the connection is cut: a replica descheduled on a busy host, killed
  stalling.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    cut += 1;
    res.writeHead(200, { 'content-length': '10' });
    res.write('half ', () => setTimeout(() => res.socket?.destroy(), 300));
  });
  const rig = await startRig([
    serviceView('web', `${net}.1`, ports(a.port), [endpoint('stalling', `${net}.3`), endpoint('a', `${net}.2`)]),
  ]);
  try {
    for (let i = 0; i < 2; i++)
      assert.deepEqual(await get(`${net}.1`, a.port).then((r) => [r.status, r.body]), [200, 'a']);
    assert.ok(cut >= 1, 'the stalling replica was asked');
    assert.equal(await metric(rig.registry, 'poseidon_proxy_retries_total', 'web'), cut);
  } finally {
    await rig.proxy.close();
    await closeAll([a.server, stalling.server]);
  }
});

test('the hold: an answer of known, small length waits longer than one that may be a stream', () => {
  assert.equal(holdMs({ framing: 'length', length: 10 }), HOLD_KNOWN_MS);
  assert.equal(holdMs({ framing: 'length', length: HOLD_MAX_BYTES }), HOLD_MS, 'too big to hold whole');
  assert.equal(holdMs({ framing: 'chunked', length: 0 }), HOLD_MS);
  assert.equal(holdMs({ framing: 'close', length: 0 }), HOLD_MS);
});

test('http: an answer whose body is slow to end reaches the client as it comes', async () => {
  const net = block();
  const slow = await httpReplica('slow', `${net}.2`, 0);
  slow.server.removeAllListeners('request');
  let finish: (() => void) | undefined;
  // the head and the first part, the rest only once the client has seen the head
  slow.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': '9' });
    res.write('first ');
    finish = () => res.end('end');
  });
  const rig = await startRig([serviceView('web', `${net}.1`, ports(slow.port), [endpoint('slow', `${net}.2`)])]);
  try {
    const req = request({ host: `${net}.1`, port: slow.port, path: '/' });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 200);
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    await waitFor(() => body === 'first ', { what: 'the first part of the body' });
    assert.ok(finish !== undefined);
    finish();
    await once(res, 'end');
    assert.equal(body, 'first end');
    assert.equal(await metric(rig.registry, 'poseidon_proxy_retries_total', 'web'), 0);
  } finally {
    await rig.proxy.close();
    await closeAll([slow.server]);
  }
});
