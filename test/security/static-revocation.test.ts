import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadNodeCredentials } from '../../src/pki/index.js';
import { spawnWorker } from '../../testkit/spawner.js';
import { askTunnel } from '../../testkit/tunnel-ask.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { codeOf, send, staticWorker } from './helpers.js';

// A worker the manager polls (`--workers`) joined with the join token, and its certificate names
// the node id it got then; the manager keys the node by its URL. `poseidon node rm` of it revokes
// the id its certificate names: another worker's tunnel and the manager refuse that certificate.
// So does `node rm ID` of a worker that joined and was never polled (nor registered).

const REMOVED = /was removed from the cluster; its certificate is revoked/;

describe('node rm of a static worker revokes the certificate it holds', () => {
  const c = new TestCluster();
  let otherUrl = '';
  before(async () => {
    await c.startManager();
    otherUrl = (await c.startWorker('w2')).url;
  });
  after(() => c.close());

  /** What another worker's tunnel and a node route of the manager's answer the certificate in `dir`. */
  async function asHolder(dir: string) {
    const held = await loadNodeCredentials(dir);
    assert.ok(held, 'the worker joined');
    const creds = { ca: c.access.caPem, cert: held.certPem, key: held.keyPem };
    return {
      nodeId: held.info.nodeId,
      tunnel: (): Promise<{ status: number; text: string }> =>
        askTunnel(Number(new URL(otherUrl).port), '/tunnel/no-such-task/80', creds),
      // taken as the node before (an empty body: 400), refused once it is removed
      renew: (): Promise<{ status: number; body: unknown }> =>
        send('POST', `${c.manager.url}/certificates/renew`, {}, creds),
    };
  }

  /** Takes the certificate before `remove`, refuses it after: the manager at once, the tunnel from w2's next beat. */
  async function refusedOnceRemoved(dir: string, remove: (nodeId: string) => Promise<unknown>): Promise<void> {
    const holder = await asHolder(dir);
    const before = await holder.tunnel();
    assert.notEqual(before.status, 401, `not removed yet: ${before.text}`);
    assert.notEqual((await holder.renew()).status, 401, 'the manager takes its certificate before');
    await remove(holder.nodeId);
    const atManager = await holder.renew();
    assert.equal(atManager.status, 401);
    assert.equal(codeOf(atManager), 'node_removed');
    await waitFor(
      async () => {
        const a = await holder.tunnel();
        return a.status === 401 && REMOVED.test(a.text) ? a : undefined;
      },
      { what: "the removed worker's certificate refused on w2's tunnel", timeoutMs: 20_000 },
    );
  }

  test("node rm NAME: its certificate is refused on another worker's tunnel and by the manager", async () => {
    const { name, dir } = await staticWorker(c, 'static');
    await refusedOnceRemoved(dir, () => c.client.removeNode(name));
  });

  test('a worker that joined and was never polled: node rm ID revokes its certificate', async () => {
    const name = c.workerName('unpolled');
    const dir = join(c.dir, name);
    await spawnWorker(c.access, ['--no-register', '--port', '0', '--name', name, '--data-dir', dir], {
      onSpawn: (p) => c.track(p),
    });
    await refusedOnceRemoved(dir, (nodeId) => c.client.removeNode(nodeId));
  });
});
