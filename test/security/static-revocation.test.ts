import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadNodeCredentials } from '../../src/pki/index.js';
import { spawnWorker } from '../../testkit/spawner.js';
import { askTunnel } from '../../testkit/tunnel-ask.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { codeOf, send } from './helpers.js';

// A worker the manager polls (`--workers`) joined with the join token, and its certificate names
// the node id it got then; the manager keys the node by its URL. `poseidon node rm` of it revokes
// the id its certificate names: another worker's tunnel and the manager refuse that certificate.

const REMOVED = /was removed from the cluster; its certificate is revoked/;

describe('node rm of a static worker revokes the certificate it holds', () => {
  const c = new TestCluster();
  before(() => c.startManager());
  after(() => c.close());

  test("its certificate is refused on another worker's tunnel and by the manager", async () => {
    const name = c.workerName('static');
    const dir = join(c.dir, name);
    const polled = await spawnWorker(c.access, ['--no-register', '--port', '0', '--name', name, '--data-dir', dir], {
      onSpawn: (p) => c.track(p),
    });
    await c.restartManager('stop', ['--workers', new URL(polled.url).host]);
    await waitFor(async () => (await c.client.listNodes()).some((n) => n.name === name && n.state === 'Up'), {
      what: 'the static worker polled',
    });
    const other = await c.startWorker('w2');
    const held = await loadNodeCredentials(dir);
    assert.ok(held, 'the static worker joined');
    const creds = { ca: c.access.caPem, cert: held.certPem, key: held.keyPem };
    const tunnel = (): Promise<{ status: number; text: string }> =>
      askTunnel(Number(new URL(other.url).port), '/tunnel/no-such-task/80', creds);
    // a node route of the manager's: taken as the node before, refused once it is removed
    const renew = (): Promise<{ status: number; body: unknown }> =>
      send('POST', `${c.manager.url}/certificates/renew`, {}, creds);
    const before = await tunnel();
    assert.notEqual(before.status, 401, `not removed yet: ${before.text}`);
    assert.notEqual((await renew()).status, 401, 'the manager takes its certificate before');

    await c.client.removeNode(name);
    const atManager = await renew();
    assert.equal(atManager.status, 401);
    assert.equal(codeOf(atManager), 'node_removed');
    await waitFor(
      async () => {
        const a = await tunnel();
        return a.status === 401 && REMOVED.test(a.text) ? a : undefined;
      },
      { what: "the removed static worker's certificate refused on w2's tunnel", timeoutMs: 20_000 },
    );
  });
});
