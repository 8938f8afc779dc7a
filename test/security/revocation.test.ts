import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Relay } from '../../testkit/relay.js';
import { askTunnel } from '../../testkit/tunnel-ask.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { staticWorker } from './helpers.js';

// A removed node's certificate (`poseidon node rm`) is refused on every worker's tunnel, the
// proxy mesh: on a worker whose heartbeat reply that carried the removal was lost (it says which
// revoked version it holds, and the manager sends the list again), and on a worker the manager
// polls (`--workers`: it sends no heartbeat; the manager puts the list there).

const REMOVED = /was removed from the cluster; its certificate is revoked/;

/** What the tunnel at `workerUrl` answers a caller holding `cert`: its status and body. */
async function tunnelAs(
  c: TestCluster,
  workerUrl: string,
  cert: { cert: string; key: string },
): Promise<{ status: number; text: string }> {
  return askTunnel(Number(new URL(workerUrl).port), '/tunnel/no-such-task/80', { ca: c.access.caPem, ...cert });
}

/** Waits until the tunnel at `workerUrl` refuses `cert` as a removed node's. */
async function refusedAsRemoved(c: TestCluster, workerUrl: string, cert: { cert: string; key: string }): Promise<void> {
  await waitFor(
    async () => {
      const a = await tunnelAs(c, workerUrl, cert);
      return a.status === 401 && REMOVED.test(a.text) ? a : undefined;
    },
    { what: "the removed node's certificate refused", timeoutMs: 20_000 },
  );
}

describe('a removed node reaches a worker whose heartbeat reply was lost', () => {
  const c = new TestCluster();
  const relay = { current: undefined as Relay | undefined };
  before(() => c.startManager());
  after(async () => {
    await relay.current?.close();
    await c.close();
  });

  test("the reply that carried it is lost; after the next beats the worker refuses the node's certificate", async () => {
    const r = new Relay(new URL(c.manager.url));
    relay.current = r;
    // w1 reaches the manager through the relay, which will lose the manager's answers
    const w1 = await c.startWorker('w1', ['--manager', await r.listen()]);
    await c.startWorker('w2');
    const w2 = await c.nodeCredentials('w2');
    const w1Node = (await c.client.listNodes()).find((n) => n.name === c.workerName('w1'));
    assert.ok(w1Node);
    const before = await tunnelAs(c, w1.url, w2);
    assert.notEqual(before.status, 401, `w2 not removed yet: ${before.text}`);

    r.loseReplies();
    await c.client.removeNode(c.workerName('w2'));
    const removedAt = Date.now();
    // a beat of w1's reaches the manager after the removal, and its answer is lost
    await waitFor(
      async () => {
        const n = (await c.client.listNodes()).find((x) => x.id === w1Node.id);
        return n?.lastHeartbeat != null && Date.parse(n.lastHeartbeat) > removedAt ? n : undefined;
      },
      { what: 'a beat of w1 taken after the removal' },
    );
    const meanwhile = await tunnelAs(c, w1.url, w2);
    assert.notEqual(meanwhile.status, 401, 'w1 never heard: its tunnel takes the certificate still');
    r.heal();
    await refusedAsRemoved(c, w1.url, w2);
  });
});

describe('a removed node reaches a worker the manager polls', () => {
  const c = new TestCluster();
  before(() => c.startManager());
  after(() => c.close());

  test("a static worker refuses a removed node's certificate", async () => {
    // it joins with the join token and registers with no one: the manager polls it
    const { worker: polled } = await staticWorker(c, 'static');
    await c.startWorker('w2');
    const w2 = await c.nodeCredentials('w2');
    const before = await tunnelAs(c, polled.url, w2);
    assert.notEqual(before.status, 401, `w2 not removed yet: ${before.text}`);
    await c.client.removeNode(c.workerName('w2'));
    await refusedAsRemoved(c, polled.url, w2);
  });
});
