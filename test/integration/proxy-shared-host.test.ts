import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import type { PoseidonProcess } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// Two workers with --proxy on one host, one bridge: the first one's proxy serves the VIPs, the
// second finds their ports held. A user stopped the second worker and every VIP of the host went
// off the bridge with it, so connections to them hung; and once the first stopped, the second never
// served them. A real manager and workers on this run's own network; the workers stop with SIGTERM,
// as systemd stops them, and the manager holds their tasks meanwhile (--restart-grace). Needs root
// (`ip addr`), as the workers' network does.

describe('two workers with --proxy on one host', () => {
  const c = new TestCluster();
  let net: TestNetwork;
  let vipUrl = '';
  const proxyArgs = (): string[] => [...net.proxyWorkerArgs, '--host-id', `host-${c.runId}`];
  /** Until the worker's proxy has taken the service in (its VIP added, or found there). */
  const joined = (w: PoseidonProcess, service: string): Promise<unknown> =>
    waitFor(
      async () =>
        w.output.some((l) => l.includes('"service joined the proxy"') && l.includes(`"service":"${service}"`)),
      { timeoutMs: 30_000, what: `the proxy to take ${service} in` },
    );
  const answer = async (): Promise<string | undefined> => {
    const res = await fetch(vipUrl, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    return res === undefined ? undefined : `${res.status} ${(await res.text()).trim()}`;
  };

  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager([...net.managerArgs, '--restart-grace', '10m']);
  });
  after(() => c.close()); // its network too: it carries the run's label

  test('stopping either keeps the VIP answering: the one serving it goes on, or the other takes it over', async () => {
    const a = await c.startWorker('a', proxyArgs());
    await c.client.createService(serviceSpec(c, 'shared', { replicas: 1 }, webTask()));
    const view = await waitFor(
      async () => {
        const v = await c.client.serviceEndpoints('shared');
        return v.endpoints.some((e) => e.state === 'ready') ? v : undefined;
      },
      { timeoutMs: 90_000, what: 'the replica ready' },
    );
    vipUrl = `http://${view.vip}:8080/`;
    await waitFor(async () => (await answer()) === '200 ok', { timeoutMs: 30_000, what: 'the VIP answering' });
    const b = await c.startWorker('b', proxyArgs());
    await joined(b, 'shared');

    await b.stop();
    assert.equal(await answer(), '200 ok', "a's VIP stayed on the bridge");

    const b2 = await c.startWorker('b', proxyArgs());
    await joined(b2, 'shared');
    await a.stop();
    await waitFor(async () => (await answer()) === '200 ok', { timeoutMs: 30_000, what: 'b serving the VIP' });
    assert.ok(
      b2.output.some((l) => l.includes('serving a virtual IP port another process held')),
      b2.output.slice(-20).join('\n'),
    );
  });
});
