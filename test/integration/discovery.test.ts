import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { EndpointView, ServiceEndpointsView } from '../../src/api/index.js';
import { cidrHas, ipToNumber, parseCidr } from '../../src/discovery/index.js';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { TestCluster } from './helpers/cluster.js';
import { isRunning } from './helpers/docker.js';
import { WatchConsumer } from './helpers/endpoints-watch.js';
import { serviceSpec, untilSettled, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

const run = promisify(execFile);

// Discovery with a real manager and two real workers on a network of this run's own (its name,
// subnet and VIP range; removed by the run's label): virtual IPs, the endpoint table as replicas
// come and go, the watch stream a host follows, and the drain before a replica stops. Its workers
// put tasks on that network itself (`--task-network poseidon`); dns.test.ts covers the default,
// tasks on Docker's default bridge.

describe('service discovery with a real manager and two workers', () => {
  const c = new TestCluster();
  let net: TestNetwork;
  const watches: WatchConsumer[] = [];

  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager(net.managerArgs);
    for (const w of ['a', 'b']) await c.startWorker(w, [...net.workerArgs, '--task-network', 'poseidon']);
  });
  after(async () => {
    for (const w of watches) w.close();
    await c.close();
  });

  const endpoints = (name: string): Promise<ServiceEndpointsView> => c.client.serviceEndpoints(name);
  const ready = (v: ServiceEndpointsView): EndpointView[] => v.endpoints.filter((e) => e.state === 'ready');
  const untilReady = (name: string, n: number): Promise<ServiceEndpointsView> =>
    waitFor(
      async () => {
        const v = await endpoints(name);
        return ready(v).length === n && v.endpoints.length === n ? v : undefined;
      },
      { timeoutMs: 60_000, what: `${n} ready endpoints of ${name}` },
    );
  const web = (name: string, replicas: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    serviceSpec(
      c,
      name,
      { replicas, update: { monitor: '1s' }, ...extra },
      webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] }),
    );

  /** A watch with worker a's node certificate, as a host's proxy and DNS server hold one. */
  const watch = async (): Promise<WatchConsumer> => {
    const creds = await c.nodeCredentials('a');
    const w = new WatchConsumer(c.manager.url, { ca: c.access.caPem, cert: creds.cert, key: creds.key });
    watches.push(w);
    assert.equal(await w.open(), 200);
    return w;
  };

  test('a VIP from the range, stable across scale, update and a manager restart; endpoints follow the replicas', async () => {
    await c.client.createService(web('vipweb', 2));
    const two = await untilReady('vipweb', 2);
    const vip = two.vip;
    assert.ok(cidrHas(parseCidr(net.vipRange), ipToNumber(vip) ?? -1), `${vip} lies in ${net.vipRange}`);
    assert.deepEqual(two.dnsNames, [
      'vipweb.svc.poseidon.cluster',
      'tasks.vipweb.svc.poseidon.cluster',
      '_http._tcp.vipweb.svc.poseidon.cluster',
    ]);
    assert.deepEqual(two.ports, [{ name: 'http', port: 8080, protocol: 'http' }]);
    const lower = { ...parseCidr(net.subnet), size: parseCidr(net.subnet).size / 2 };
    for (const e of two.endpoints) {
      assert.ok(e.address !== null && cidrHas(lower, ipToNumber(e.address) ?? -1), `${e.address} in the lower half`);
      assert.equal(e.ports.length, 1, 'its published port, for another host');
      // the address is the container's on this run's network: the host reaches it there
      const page = await fetch(`http://${e.address}:8080/`).then((r) => r.text());
      assert.equal(page.trim(), 'ok');
    }
    const task = await c.client.getTask(two.endpoints[0]?.taskId ?? '');
    assert.equal(task.address, two.endpoints[0]?.address, 'the task view shows its address');

    await c.client.scaleService('vipweb', 3);
    assert.equal((await untilReady('vipweb', 3)).vip, vip, 'scaling keeps the VIP');
    const spec = web('vipweb', 3);
    await c.client.updateService('vipweb', { ...spec, task: { ...(spec.task as object), env: { V: '2' } } });
    const updated = await waitFor(
      async () => {
        const [s, v] = await Promise.all([c.client.getService('vipweb'), endpoints('vipweb')]);
        return s.update?.state === 'completed' && ready(v).length === 3 && v.endpoints.every((e) => e.version === 2)
          ? v
          : undefined;
      },
      { timeoutMs: 120_000, what: 'the update to complete' },
    );
    assert.equal(updated.vip, vip, 'an update keeps the VIP');

    await c.restartManager();
    const again = await untilReady('vipweb', 3);
    assert.equal(again.vip, vip, 'a manager restart keeps the VIP');

    await c.client.createService(web('other', 1));
    const other = await untilReady('other', 1);
    assert.notEqual(other.vip, vip, 'each service its own VIP');
    await c.client.removeService('vipweb');
    await assert.rejects(endpoints('vipweb'), { code: 'service_not_found' });
    await c.client.removeService('other');
  });

  test('a watch gets the snapshot, then each change: scale up and down, a replica killed, a health check failing', async () => {
    const w = await watch();
    await waitFor(() => w.messages[0]?.type === 'snapshot', { what: 'the snapshot first' });
    await c.client.createService(web('watched', 2));
    await waitFor(() => w.table.ready('watched').length === 2, { timeoutMs: 60_000, what: '2 ready in the watch' });
    const vip = w.table.service('watched')?.vip;
    assert.ok(vip !== undefined && vip !== '');
    assert.equal(w.table.serviceByVip(vip)?.service, 'watched');

    await c.client.scaleService('watched', 3);
    await waitFor(() => w.table.ready('watched').length === 3, { timeoutMs: 60_000, what: 'scale up in the watch' });
    const killed = w.table.ready('watched').find((e) => e.slot === 2);
    assert.ok(killed !== undefined);
    const killedContainer = (await c.client.getTask(killed.taskId)).containerId ?? '';
    await run('docker', ['kill', killedContainer]);
    await waitFor(() => !w.table.ready('watched').some((e) => e.taskId === killed.taskId), {
      timeoutMs: 30_000,
      what: 'the killed replica out of the ready list',
    });
    await waitFor(() => w.table.ready('watched').length === 3, { timeoutMs: 60_000, what: 'slot 2 ready again' });

    // the health check of slot 1 fails (its page is gone): it is unhealthy, never ready again, then replaced
    const sick = w.table.ready('watched').find((e) => e.slot === 1);
    assert.ok(sick !== undefined);
    const sickContainer = (await c.client.getTask(sick.taskId)).containerId ?? '';
    await run('docker', ['exec', sickContainer, 'rm', '/www/index.html']);
    await waitFor(
      () =>
        w.messages.some(
          (m) =>
            m.type === 'service' &&
            m.service.endpoints.some((e) => e.taskId === sick.taskId && e.state === 'unhealthy'),
        ),
      { timeoutMs: 30_000, what: 'the failing replica unhealthy in the stream' },
    );
    assert.ok(!w.table.ready('watched').some((e) => e.taskId === sick.taskId), 'an unhealthy replica is not ready');

    await c.client.scaleService('watched', 1);
    await waitFor(() => (w.table.service('watched')?.endpoints.length ?? 0) === 1, {
      timeoutMs: 60_000,
      what: 'scale down in the watch',
    });
    const revisions = w.messages.map((m) => m.revision);
    assert.deepEqual(
      revisions,
      [...revisions].sort((a, b) => a - b),
      'revisions never go back',
    );
    await c.client.removeService('watched');
    await waitFor(() => w.messages.some((m) => m.type === 'removed' && m.service === 'watched'), {
      what: 'the removal in the stream',
    });
  });

  test('a replica scaled down drains: its container runs until the watching host has applied it, then it stops', async () => {
    const w = await watch();
    await c.client.createService(web('drainer', 2, { drainTimeout: '60s' }));
    await waitFor(() => w.table.ready('drainer').length === 2, { timeoutMs: 60_000, what: '2 ready in the watch' });
    assert.equal((await c.client.getService('drainer')).spec.drainTimeout, 60_000, 'the spec shows its drainTimeout');
    const leaving = w.table.ready('drainer').find((e) => e.slot === 2);
    assert.ok(leaving !== undefined);
    const container = (await c.client.getTask(leaving.taskId)).containerId ?? '';

    await c.client.scaleService('drainer', 1);
    await waitFor(
      () => w.table.service('drainer')?.endpoints.find((e) => e.taskId === leaving.taskId)?.state === 'draining',
      { what: 'slot 2 draining in the watch' },
    );
    assert.deepEqual(
      w.table.ready('drainer').map((e) => e.slot),
      [1],
      'a draining replica is not ready',
    );
    // the host applied the change and still has a connection open to it: it keeps running
    assert.equal(await w.applied({ [leaving.taskId]: 1 }), 204);
    const pings = w.messages.filter((m) => m.type === 'ping').length;
    // two pings (3 s apart) take longer than APPLY_WAIT_MS: an answering host is waited for
    await waitFor(() => w.messages.filter((m) => m.type === 'ping').length >= pings + 2, {
      timeoutMs: 20_000,
      what: 'two pings',
    });
    assert.ok(await isRunning(container), 'the draining replica still runs');
    const metrics = (
      await tlsFetch(`${c.manager.url}/metrics`, { tls: { ca: c.access.caPem }, token: c.token })
    ).text();
    assert.match(metrics, /^poseidon_endpoints\{state="draining"\} 1$/m);
    assert.match(metrics, /^poseidon_endpoints_draining_stops 1$/m);

    // its last connection closed: the stop goes
    assert.equal(await w.applied({ [leaving.taskId]: 0 }), 204);
    await waitFor(async () => (await c.client.getTask(leaving.taskId)).state === 'Completed', {
      timeoutMs: 30_000,
      what: 'the drained replica stopped',
    });
    assert.equal(await isRunning(container), false);
    await untilSettled(c, 'drainer', 1);
    await c.client.removeService('drainer');
  });

  test('the endpoint routes: read with a token, watch and applied with a worker certificate only', async () => {
    const anonymous = await tlsFetch(`${c.manager.url}/endpoints/watch`, { tls: { ca: c.access.caPem } });
    assert.equal(anonymous.status, 401);
    const byToken = await tlsFetch(`${c.manager.url}/endpoints/applied`, {
      method: 'POST',
      body: '{"epoch":"x","revision":1}',
      headers: { 'content-type': 'application/json' },
      tls: { ca: c.access.caPem },
      token: c.token,
    });
    assert.equal(byToken.status, 403, 'a token is no host');
    const creds = await c.nodeCredentials('b');
    const bad = await tlsFetch(`${c.manager.url}/endpoints/applied`, {
      method: 'POST',
      body: '{"epoch":"x","revision":-1}',
      headers: { 'content-type': 'application/json' },
      tls: { ca: c.access.caPem, cert: creds.cert, key: creds.key },
    });
    assert.equal(bad.status, 400);
    const missing = await tlsFetch(`${c.manager.url}/services/nope/endpoints`, {
      tls: { ca: c.access.caPem },
      token: c.token,
    });
    assert.equal(missing.status, 404);
  });
});
