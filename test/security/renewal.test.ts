import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNodeCertificate } from '../../src/pki/index.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { waitFor } from '../integration/helpers/wait-for.js';

// Certificates renew on their own, over mutual TLS with the current one, before they run out:
// here they last 20 s (`--cert-ttl 20s`), so the worker's and the manager's renew within a
// run, and the cluster keeps working past the moment the first ones expired.

describe('certificate renewal', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager(['--cert-ttl', '20s']);
    await c.startWorker('a');
  });
  after(() => c.close());

  test('the worker and the manager renew before expiry, and the cluster works on past the old certificates', async () => {
    const first = readNodeCertificate((await c.nodeCredentials('a')).cert);
    const managerFirst = readNodeCertificate(await readFile(join(c.access.dataDir, 'manager.crt'), 'utf8'));
    assert.equal(first.notAfterMs - first.notBeforeMs, 22_000, '20 s, and 2 s back for clocks that run behind');

    const renewed = await waitFor(
      async () => {
        const now = readNodeCertificate((await c.nodeCredentials('a')).cert);
        return now.serialNumber !== first.serialNumber ? now : undefined;
      },
      { what: "the worker's certificate renewed", timeoutMs: 30_000 },
    );
    assert.equal(renewed.nodeId, first.nodeId, 'the same node');
    assert.equal(renewed.role, 'worker');
    assert.ok(renewed.notAfterMs > first.notAfterMs);
    // within the window: between 50% and 80% of the first one's life (a second either way: certificates count in seconds)
    const life = first.notAfterMs - first.notBeforeMs;
    const at = renewed.notBeforeMs + 2_000;
    assert.ok(at >= first.notBeforeMs + life * 0.5 - 1_000 && at <= first.notBeforeMs + life * 0.8 + 1_000, String(at));

    await waitFor(
      async () => {
        const now = readNodeCertificate(await readFile(join(c.access.dataDir, 'manager.crt'), 'utf8'));
        return now.serialNumber !== managerFirst.serialNumber ? now : undefined;
      },
      { what: "the manager's certificate renewed", timeoutMs: 30_000 },
    );

    // past the first certificates' end: only the renewed ones can be in use now
    const past = Math.max(first.notAfterMs, managerFirst.notAfterMs) + 1_000;
    await waitFor(() => Date.now() > past, { what: 'the first certificates to expire', timeoutMs: 30_000 });
    const [id] = await c.submitMany('after-renewal', 1);
    assert.ok(id !== undefined);
    await c.allInState([id], 'Running');
    const node = (await c.client.listNodes()).find((n) => n.name === c.workerName('a'));
    assert.equal(node?.state, 'Up');
    assert.equal(node?.id, first.nodeId);
  });
});
