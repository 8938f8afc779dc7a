import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { askTunnel } from '../../testkit/tunnel-ask.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// The mesh with a real manager and two real workers on one machine that say they are two
// (`--host-id host-a`, `--host-id host-b`): the proxy runs with worker a (`--proxy`), the
// replicas only on worker b (a node label constraint), so the proxy reaches them through b's
// tunnel, in tcp mode and in http mode, from the host through their VIP. One machine reaches
// the containers directly too: b's tunnel counter shows the path taken. Then what b's tunnel
// refuses, as anyone could ask it. Needs root (`ip addr`), as the workers' network does.

describe('the proxy reaches replicas on another host through its worker', () => {
  const c = new TestCluster();
  let net: TestNetwork;
  let bUrl = '';
  let aUrl = '';

  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager(net.managerArgs);
    const a = await c.startWorker('a', [...net.proxyWorkerArgs, '--host-id', 'host-a']);
    const b = await c.startWorker('b', [...net.workerArgs, '--host-id', 'host-b', '--label', 'host=b']);
    aUrl = a.url;
    bUrl = b.url;
  });
  after(async () => {
    await c.close();
    await new Docker()
      .getNetwork(net.name)
      .remove()
      .catch(() => {});
  });

  /** b's tunnel counter by outcome, read as the manager reads a worker's metrics. */
  const tunnels = async (url: string, outcome: string): Promise<number> => {
    const tls = { ca: c.access.caPem, cert: c.access.managerCert, key: c.access.managerKey };
    const text = (await tlsFetch(`${url}/metrics`, { tls })).text();
    const m = new RegExp(`^poseidon_tunnel_connections_total\\{outcome="${outcome}"\\} ([0-9]+)$`, 'm').exec(text);
    return Number(m?.[1] ?? 0);
  };
  const onB = { constraints: ['node.labels.host == b'] };
  const answer = async (url: string): Promise<string | undefined> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    return res === undefined ? undefined : `${res.status} ${(await res.text()).trim()}`;
  };
  /** Until the service's VIP answers from the host; its endpoints, which name b's host and URL. */
  const untilVipAnswers = async (name: string): Promise<string> => {
    const view = await waitFor(
      async () => {
        const v = await c.client.serviceEndpoints(name);
        return v.endpoints.length > 0 && v.endpoints.every((e) => e.state === 'ready') ? v : undefined;
      },
      { timeoutMs: 90_000, what: `${name}'s replicas ready` },
    );
    for (const e of view.endpoints) {
      assert.equal(e.node, c.workerName('b'), 'every replica on b');
      assert.equal(e.hostId, 'host-b');
      assert.equal(e.via, bUrl);
    }
    const url = `http://${view.vip}:8080/`;
    await waitFor(async () => (await answer(url)) === '200 ok', { timeoutMs: 30_000, what: `${name} on its VIP` });
    return url;
  };

  test("tcp mode: the VIP answers, each connection through b's tunnel", async () => {
    await c.client.createService(serviceSpec(c, 'meshtcp', { replicas: 2, ...onB }, webTask()));
    const url = await untilVipAnswers('meshtcp');
    const before = await tunnels(bUrl, 'opened');
    for (let i = 0; i < 5; i++) assert.equal(await answer(url), '200 ok');
    assert.ok((await tunnels(bUrl, 'opened')) >= before + 5, 'five connections, five tunnels');
    assert.equal(await tunnels(aUrl, 'opened'), 0, 'a was asked for none');
  });

  test('http mode: requests through the VIP, on tunnels to b', async () => {
    const task = webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] });
    await c.client.createService(serviceSpec(c, 'meshweb', { replicas: 2, ...onB }, task));
    const before = await tunnels(bUrl, 'opened');
    const url = await untilVipAnswers('meshweb');
    for (let i = 0; i < 5; i++) assert.equal(await answer(url), '200 ok');
    assert.ok((await tunnels(bUrl, 'opened')) > before, 'the requests went through b');
  });

  test("b's tunnel refuses a caller without a worker certificate, and anything but its own running replicas' ports", async () => {
    const creds = await c.nodeCredentials('a');
    const asA = { ca: c.access.caPem, cert: creds.cert, key: creds.key };
    const replica = (await c.client.serviceEndpoints('meshtcp')).endpoints[0];
    assert.ok(replica !== undefined);
    await c.client.submit(c.task('plainweb', { ...webTask(), constraints: ['node.labels.host == b'] }));
    const plain = await waitFor(
      async () => (await c.client.listTasks()).find((t) => t.name === 'plainweb' && t.state === 'Running'),
      { timeoutMs: 60_000, what: 'the plain task running on b' },
    );
    const port = (u: string): number => Number(new URL(u).port);
    const refusedBefore = await tunnels(bUrl, 'refused');
    const cases: Array<[string, number, { ca: string; cert?: string; key?: string }, Record<string, string>?]> = [
      [`/tunnel/${replica.taskId}/8080`, 401, { ca: c.access.caPem }],
      [
        `/tunnel/${replica.taskId}/8080`,
        401,
        { ca: c.access.caPem },
        { Connection: 'Upgrade', Upgrade: 'poseidon-tunnel/1', Authorization: `Bearer ${c.token}` },
      ],
      [`/tunnel/${plain.id}/8080`, 404, asA], // a plain task: no replica
      [`/tunnel/${replica.taskId}/22`, 404, asA], // a port its spec does not declare
    ];
    for (const [path, status, tls, headers] of cases) {
      const got = await askTunnel(port(bUrl), path, tls, headers);
      assert.equal(got.status, status, `${path}: ${got.text}`);
    }
    // a's tunnel holds no replica of b's
    assert.equal((await askTunnel(port(aUrl), `/tunnel/${replica.taskId}/8080`, asA)).status, 404);
    assert.equal(await tunnels(bUrl, 'refused'), refusedBefore + cases.length);
  });
});
