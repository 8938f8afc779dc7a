import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { calling, ServerNotTrusted, WorkerClient } from '../../../src/client/index.js';
import { testCluster } from '../../../testkit/test-tls.js';

// Workers on one host hold certificates that name the same addresses, and a worker chooses the
// URL it registers: one registered another's, and the manager, trusting any worker certificate
// of its CA there, sent the other worker its tasks. The manager now calls a worker as the node
// it registered as: a server whose certificate names another node gets nothing.

const W1 = '11111111-1111-4111-8111-111111111111';
const W2 = '22222222-2222-4222-8222-222222222222';

/** A server with `creds` that answers every call `[]`; how many calls it got. */
async function server(t: TestContext, creds: { cert: string; key: string }): Promise<{ url: string; calls: number }> {
  const out = { url: '', calls: 0 };
  const s = createServer(creds, (_req, res) => {
    out.calls++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => s.close());
  out.url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return out;
}

test('a worker client called as one node refuses a server whose certificate names another node', async (t) => {
  const c = await testCluster();
  const manager = await c.issue('manager', '33333333-3333-4333-8333-333333333333');
  const w2 = await server(t, await c.issue('worker', W2));
  const own = { ca: c.ca, ...manager, serverRole: 'worker' as const };

  // w1 registered w2's URL: the manager calls it as w1
  const asW1 = new WorkerClient(w2.url, 5_000, { tls: calling(() => own, W1) });
  const err = await asW1.listTasks().then(
    () => assert.fail('called'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ServerNotTrusted, String(err));
  assert.equal(err.wrongNode, true);
  assert.equal(
    err.message,
    `the server at ${w2.url} presents node ${W2}'s certificate, not ${W1}'s: another worker's URL?`,
  );
  assert.equal(w2.calls, 0, 'the server got no request');

  // the node it is: called
  const asW2 = new WorkerClient(w2.url, 5_000, { tls: calling(() => own, W2) });
  assert.deepEqual(await asW2.listTasks(), []);
  // no node asked (a static worker): any worker certificate of the cluster
  assert.deepEqual(await new WorkerClient(w2.url, 5_000, { tls: calling(own, undefined) }).listTasks(), []);
  assert.equal(w2.calls, 2);
});

test('calling keeps one object per set of credentials, so a client keeps its connections', () => {
  let current = { ca: 'ca-1' };
  const source = calling(() => current, W1);
  assert.ok(typeof source === 'function');
  const first = source();
  assert.equal(source(), first);
  assert.equal(first.serverNode, W1);
  current = { ca: 'ca-2' }; // renewed
  assert.notEqual(source(), first);
  assert.equal(source().ca, 'ca-2');
});
