import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startProxy, type Proxy } from '../../src/proxy/index.js';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { TestCluster } from './helpers/cluster.js';
import { WatchConsumer } from './helpers/endpoints-watch.js';
import { serviceSpec, untilRolloutEnds, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

const run = promisify(execFile);

// The host proxy on a real Poseidon bridge: a real manager and worker on this run's own network,
// the proxy following the manager's endpoint stream with the worker's node certificate (as
// `poseidon worker --proxy` does) and adding the service's VIP to the bridge. A bounded load
// through the VIP must see no failed request while a replica is killed -9 and the service is
// scaled from 3 to 1. Needs root (`ip addr`), as the worker's network does.

const REQUESTS = 10_000;
/** The load goes on until the kill and the scale down are done, but never past this many. */
const MAX_REQUESTS = 200_000;
const CONCURRENCY = 8;

function get(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** CONCURRENCY clients in a closed loop on `url`: at least REQUESTS, on until finish(), at most MAX_REQUESTS. */
class Load {
  sent = 0;
  readonly failures: string[] = [];
  #eventsDone = false;
  readonly #clients: Promise<unknown>;
  constructor(
    private readonly url: string,
    private readonly agent: Agent,
  ) {
    this.#clients = Promise.all(Array.from({ length: CONCURRENCY }, () => this.#client()));
  }
  async finish(): Promise<{ sent: number; failures: string[] }> {
    this.#eventsDone = true;
    await this.#clients;
    return { sent: this.sent, failures: this.failures };
  }
  async #client(): Promise<void> {
    while ((this.sent < REQUESTS || !this.#eventsDone) && this.sent < MAX_REQUESTS) {
      this.sent += 1;
      try {
        const r = await get(this.url, this.agent);
        if (r.status !== 200 || r.body.trim() !== 'ok') this.failures.push(`${r.status} ${r.body.trim()}`);
      } catch (err) {
        this.failures.push(String(err));
      }
    }
  }
}

describe('the host proxy on a real bridge network', () => {
  const c = new TestCluster();
  let net: TestNetwork;
  let watch: WatchConsumer;
  let proxy: Proxy | undefined;

  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager(net.managerArgs);
    await c.startWorker('a', net.workerArgs);
    const creds = await c.nodeCredentials('a');
    watch = new WatchConsumer(c.manager.url, { ca: c.access.caPem, cert: creds.cert, key: creds.key });
    assert.equal(await watch.open(), 200);
  });
  /** The proxy of a test before (it follows every service), or one of its own if none started. */
  async function ensureProxy(): Promise<void> {
    if (proxy !== undefined) return;
    const p = await startProxy({ table: watch.table, network: net.name, logger: pino({ level: 'warn' }) });
    proxy = p;
    const report = (): void => void watch.applied(p.openConnections()).catch(() => {});
    watch.table.on('change', report);
    p.on('drained', report);
    report();
  }

  after(async () => {
    await proxy?.close();
    watch.close();
    await c.close();
  });

  test('10,000 requests through the VIP, none failed, during a kill -9 of a replica and a scale from 3 to 1', async (t) => {
    const task = webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] });
    await c.client.createService(serviceSpec(c, 'lbweb', { replicas: 3, drainTimeout: '5s' }, task));
    await waitFor(() => watch.table.ready('lbweb').length === 3, { timeoutMs: 90_000, what: '3 ready replicas' });
    const vip = watch.table.service('lbweb')?.vip ?? '';

    const registry = new Registry();
    proxy = await startProxy({ table: watch.table, network: net.name, logger: pino({ level: 'warn' }), registry });
    const p = proxy;
    // what `poseidon worker --proxy` reports: each change applied, and each draining endpoint drained
    const report = (): void => void watch.applied(p.openConnections()).catch(() => {});
    watch.table.on('change', report);
    p.on('drained', report);
    report();

    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', net.name]);
    assert.match(stdout, new RegExp(`inet ${vip.replaceAll('.', '\\.')}/32`), 'the VIP is on the bridge');
    const url = `http://${vip}:8080/`;
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    assert.equal((await waitFor(() => get(url, agent), { what: 'the VIP answering' })).status, 200);

    const load = new Load(url, agent);

    await waitFor(() => load.sent >= 1_000, { what: '1,000 requests sent' });
    const victim = watch.table.ready('lbweb').find((e) => e.slot === 2);
    assert.ok(victim !== undefined);
    const container = (await c.client.getTask(victim.taskId)).containerId ?? '';
    await run('docker', ['kill', '--signal', 'KILL', container]);
    await waitFor(() => !watch.table.ready('lbweb').some((e) => e.taskId === victim.taskId), {
      timeoutMs: 30_000,
      what: 'the killed replica out of the ready list',
    });
    await waitFor(() => watch.table.ready('lbweb').length === 3, {
      timeoutMs: 60_000,
      what: 'slot 2 replaced and ready',
    });
    await c.client.scaleService('lbweb', 1);
    await waitFor(() => (watch.table.service('lbweb')?.endpoints.length ?? 0) === 1, {
      timeoutMs: 60_000,
      what: 'the scale down to 1 in the table',
    });
    const scaledDuringLoad = load.sent < MAX_REQUESTS;
    const { sent, failures } = await load.finish();
    agent.destroy();

    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${sent} requests failed`);
    assert.ok(sent >= REQUESTS);
    assert.ok(scaledDuringLoad, 'the kill and the scale down both happened while the load ran');
    const metrics = await registry.metrics();
    const series = (name: string): string =>
      /^(\S+) (\d+)$/m.exec(
        metrics
          .split('\n')
          .filter((l) => l.startsWith(name))
          .join('\n'),
      )?.[2] ?? '0';
    t.diagnostic(
      `${sent} requests; retries ${series('poseidon_proxy_retries_total')}, failed connects ${series('poseidon_proxy_failed_connects_total')}, ` +
        `set aside ${series('poseidon_proxy_replicas_set_aside_total')}`,
    );
    assert.match(metrics, /^poseidon_proxy_requests_total\{service="lbweb",code="2xx"\} \d+/m);
    await c.client.removeService('lbweb');
    await waitFor(() => watch.table.service('lbweb') === undefined, { what: 'the service gone from the table' });
    await waitFor(
      async () => !(await run('ip', ['-4', '-o', 'addr', 'show', 'dev', net.name])).stdout.includes(`${vip}/32`),
      { what: 'the VIP removed from the bridge' },
    );
  });

  test('no request fails through the VIP during a start-first update of one replica, then a rolling update of three', async () => {
    const task = webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] });
    const update = { order: 'start-first', parallelism: 1, monitor: '1s' };
    await c.client.createService(serviceSpec(c, 'upd', { replicas: 1, drainTimeout: '5s', update }, task));
    await waitFor(() => watch.table.ready('upd').length === 1, { timeoutMs: 90_000, what: '1 ready replica' });
    await ensureProxy();
    const url = `http://${watch.table.service('upd')?.vip ?? ''}:8080/`;
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    assert.equal((await waitFor(() => get(url, agent), { what: 'the VIP answering' })).status, 200);
    const load = new Load(url, agent);
    await waitFor(() => load.sent >= 1_000, { what: '1,000 requests sent' });

    const template = (version: string): Record<string, unknown> =>
      serviceSpec(c, 'upd', { replicas: 1, drainTimeout: '5s', update }, { ...task, env: { VERSION: version } });
    await c.client.updateService('upd', template('2'));
    assert.equal((await untilRolloutEnds(c, 'upd')).update?.state, 'completed');
    await c.client.scaleService('upd', 3);
    await waitFor(() => watch.table.ready('upd').length === 3, { timeoutMs: 90_000, what: '3 ready replicas' });
    await c.client.updateService('upd', { ...template('3'), replicas: 3 });
    assert.equal((await untilRolloutEnds(c, 'upd')).update?.state, 'completed');
    const duringLoad = load.sent < MAX_REQUESTS;
    const { sent, failures } = await load.finish();
    agent.destroy();
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${sent} requests failed`);
    assert.ok(sent >= REQUESTS);
    assert.ok(duringLoad, 'both updates happened while the load ran');
    await c.client.removeService('upd');
  });

  test('a port bound to no host port (publish: false, Compose expose) is served by the VIP', async () => {
    const task = webTask({ ports: [{ container: 8080, protocol: 'http', publish: false }] });
    await c.client.createService(serviceSpec(c, 'inner', { replicas: 1 }, task));
    await waitFor(() => watch.table.ready('inner').length === 1, { timeoutMs: 90_000, what: '1 ready replica' });
    await ensureProxy();
    const agent = new Agent({ keepAlive: false });
    const r = await waitFor(() => get(`http://${watch.table.service('inner')?.vip ?? ''}:8080/`, agent), {
      what: 'the VIP answering',
    });
    assert.deepEqual([r.status, r.body.trim()], [200, 'ok']);
    const [replica] = watch.table.ready('inner');
    const view = await c.client.getTask(replica?.taskId ?? '');
    const { stdout } = await run('docker', ['port', view.containerId ?? '']);
    assert.equal(stdout, '', 'no host port bound');
    assert.deepEqual(view.ports, [{ container: 8080, host: 0, protocol: 'tcp' }]);
    agent.destroy();
    await c.client.removeService('inner');
  });
});
