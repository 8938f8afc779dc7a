import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { ManagerClient } from '../../../src/client/index.js';
import { loopbackRoles } from '../../../testkit/test-tls.js';

// A worker chooses the addresses its certificate names when it joins: one on the manager's host
// names the same addresses as the manager, and a rogue one may ask for the manager's. The CLI and
// scripts trusted any certificate of the cluster's CA that named the host they called, so such a
// worker (listening where the manager was, or with the traffic to it) got their token. Now a
// manager client calls only a server whose certificate is a manager's.

/** A server with `creds` that answers every call `[]`; the Authorization headers it was sent. */
async function server(t: TestContext, creds: { cert: string; key: string }): Promise<{ url: string; heard: string[] }> {
  const heard: string[] = [];
  const s = createServer(creds, (req, res) => {
    heard.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => s.close());
  return { url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`, heard };
}

test("a manager client sends nothing to a server whose certificate is a worker's of the cluster", async (t) => {
  const roles = await loopbackRoles();
  const ca = roles.manager.ca;
  const worker = await server(t, roles.worker);
  const client = new ManagerClient(worker.url, 5_000, { token: 'psdn_0123456789ab_secret', tls: { ca } });
  await assert.rejects(client.listTasks(), /not a manager certificate of this cluster/);
  assert.deepEqual(worker.heard, [], 'the worker got no request, and no token');

  const manager = await server(t, roles.manager);
  const ok = new ManagerClient(manager.url, 5_000, { token: 'psdn_0123456789ab_secret', tls: { ca } });
  assert.deepEqual(await ok.listTasks(), []);
  assert.deepEqual(manager.heard, ['Bearer psdn_0123456789ab_secret']);
});
