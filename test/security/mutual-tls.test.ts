import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, readNodeCertificate } from '../../src/pki/index.js';
import { asManager } from '../../testkit/manager-access.js';
import { askTunnel } from '../../testkit/tunnel-ask.js';
import { tlsFetch, type TlsFetchOptions } from '../../testkit/tls-fetch.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { containersWithLabel, isRunning, TEST_IMAGE } from '../integration/helpers/docker.js';
import { waitFor } from '../integration/helpers/wait-for.js';

// Mutual TLS between a real manager and two real workers, and what it refuses: a caller with no
// certificate or one of another CA (401), a node speaking for another or a worker calling a
// manager route (403), a worker called by anyone but the manager, a node removed from the
// cluster (by the manager, and by the other worker's tunnel). Each refusal changes nothing and is
// logged once, with its route and node.

const c = new TestCluster();
type Creds = { nodeId: string; cert: string; key: string };
let a: Creds;
let b: Creds;
/** A certificate of another CA for a's node id: what an impersonator could make. */
let forged: Creds;

function as(creds: Creds | undefined, extra: Partial<TlsFetchOptions> = {}): TlsFetchOptions {
  const tls = creds === undefined ? { ca: c.access.caPem } : { ca: c.access.caPem, cert: creds.cert, key: creds.key };
  return { ...extra, tls };
}

function post(body: unknown): Partial<TlsFetchOptions> {
  return { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

function code(res: { json(): unknown }): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

const metrics = { cpuUsage: 0.1, load1: 0.1, memoryAvailableBytes: 1, diskFreeBytes: 1 };

/** The manager's log lines that are refusals (a 401 or 403 it answered), parsed. */
function refusals(): Array<Record<string, unknown>> {
  return c.manager.output
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((l) => l.code === 'unauthenticated' || l.code === 'forbidden');
}

describe('mutual TLS between a real manager and real workers', () => {
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    a = await c.nodeCredentials('a');
    b = await c.nodeCredentials('b');
    const other = await ClusterCa.create(Date.now());
    const { keyPem, csrPem } = await newKeyAndCsr();
    const cert = await other.ca.issue({
      publicKey: await publicKeyOfCsr(csrPem),
      nodeId: a.nodeId,
      role: 'manager',
      addresses: ['127.0.0.1'],
      notBeforeMs: Date.now() - 60_000,
      notAfterMs: Date.now() + 3_600_000,
    });
    forged = { nodeId: a.nodeId, cert, key: keyPem };
  });
  after(() => c.close());

  test('a worker that joined holds a certificate naming the node id it is listed under, its key 0600', async () => {
    const nodes = await c.client.listNodes();
    const listed = nodes.find((n) => n.name === c.workerName('a'));
    assert.equal(listed?.id, a.nodeId);
    const info = readNodeCertificate(a.cert);
    assert.equal(info.role, 'worker');
    assert.deepEqual(info.addresses, ['127.0.0.1']);
    assert.equal((await stat(join(c.workerDir('a'), 'node.key'))).mode & 0o777, 0o600);
    assert.ok(listed?.url.startsWith('https://127.0.0.1:'), listed?.url);
  });

  test('a node route with no client certificate, or one of another CA, is refused with 401', async () => {
    const url = `${c.manager.url}/nodes/${a.nodeId}/heartbeat`;
    const beat = post({ metrics, tasks: [] });
    const none = await tlsFetch(url, as(undefined, beat));
    assert.equal(none.status, 401);
    assert.equal(code(none), 'unauthenticated');
    const foreign = await tlsFetch(url, as(forged, beat));
    assert.equal(foreign.status, 401);
    assert.match((foreign.json() as { error: { message: string } }).error.message, /not issued by this cluster's CA/);
    // the real node is untouched
    assert.equal((await c.client.listNodes()).find((n) => n.id === a.nodeId)?.state, 'Up');
  });

  test('a node speaking for another node is refused with 403, and nothing changes', async () => {
    const before = await c.client.listNodes();
    const heartbeat = await tlsFetch(
      `${c.manager.url}/nodes/${b.nodeId}/heartbeat`,
      as(a, post({ metrics, tasks: [] })),
    );
    assert.equal(heartbeat.status, 403);
    assert.equal(code(heartbeat), 'forbidden');
    const report = await tlsFetch(`${c.manager.url}/nodes/${b.nodeId}/reports`, as(a, post({ tasks: [] })));
    assert.equal(report.status, 403);
    const register = (nodeId: string, url: string): Partial<TlsFetchOptions> =>
      post({
        nodeId,
        name: 'impostor',
        url,
        capacity: { cpuCores: 64, memoryBytes: 2 ** 40, diskBytes: 2 ** 40 },
        metrics,
        tasks: [],
      });
    const asB = await tlsFetch(`${c.manager.url}/nodes/register`, as(a, register(b.nodeId, 'https://127.0.0.1:1')));
    assert.equal(asB.status, 403);
    // its own id, at an address its certificate does not name
    const elsewhere = await tlsFetch(
      `${c.manager.url}/nodes/register`,
      as(a, register(a.nodeId, 'https://10.9.8.7:1')),
    );
    assert.equal(elsewhere.status, 403);
    assert.match((elsewhere.json() as { error: { message: string } }).error.message, /does not name the host/);
    // and never over plain HTTP: the schema wants https://
    const plain = await tlsFetch(`${c.manager.url}/nodes/register`, as(a, register(a.nodeId, 'http://127.0.0.1:1')));
    assert.equal(plain.status, 400);
    const after = await c.client.listNodes();
    assert.deepEqual(
      after.map((n) => [n.id, n.name, n.url, n.state]),
      before.map((n) => [n.id, n.name, n.url, n.state]),
    );
  });

  test("a worker's certificate on a route for people or admins is refused with 403", async () => {
    for (const [method, path] of [
      ['GET', '/tasks'],
      ['GET', '/nodes'],
      ['POST', '/join-token/rotate'],
      ['DELETE', `/nodes/${b.nodeId}`],
      ['POST', `/nodes/${a.nodeId}/labels`],
      ['POST', '/tasks/abc/exec'],
      ['POST', '/tasks/abc/exec/00000000-0000-4000-8000-000000000000/input'],
      ['GET', '/tasks/abc/archive?path=%2Fetc'],
      ['PUT', '/tasks/abc/archive?path=%2Ftmp'],
      // a node gets a value only for a task placed on it (POST /nodes/{id}/task-files)
      ['GET', '/secrets'],
      ['GET', '/configs/abc'],
      ['POST', '/secrets'],
    ] as const) {
      const res = await tlsFetch(`${c.manager.url}${path}`, as(a, { method }));
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    const nodes = await c.client.listNodes();
    assert.equal(nodes.length, 2);
    assert.deepEqual(
      nodes.map((n) => n.operatorLabels),
      [undefined, undefined],
      'a node cannot label itself',
    );
  });

  test('a worker answers only the manager: another worker, a token, nobody or another CA is refused, nothing starts', async () => {
    const workerUrl = c.workers.get('b')?.url ?? '';
    const spec = {
      name: 'intruder',
      image: TEST_IMAGE,
      command: ['sleep', '60'],
      labels: { 'poseidon.test-run': c.runId },
    };
    const start = post(spec);
    const byWorker = await tlsFetch(`${workerUrl}/tasks?generation=999999`, as(a, start));
    assert.equal(byWorker.status, 403);
    const byToken = await tlsFetch(`${workerUrl}/tasks`, {
      ...start,
      tls: { ca: c.access.caPem },
      token: c.access.adminToken,
    });
    assert.equal(byToken.status, 401);
    const byNobody = await tlsFetch(`${workerUrl}/tasks`, as(undefined, start));
    assert.equal(byNobody.status, 401);
    const byForged = await tlsFetch(`${workerUrl}/tasks`, as(forged, start));
    assert.equal(byForged.status, 401);
    for (const path of ['/tasks', '/stats', '/metrics']) {
      assert.equal((await tlsFetch(`${workerUrl}${path}`, as(a))).status, 403, path);
    }
    // a command in a container of this worker: the manager's call alone
    const exec = post({ command: ['id'] });
    assert.equal((await tlsFetch(`${workerUrl}/tasks/abc/exec`, as(a, exec))).status, 403);
    assert.equal((await tlsFetch(`${workerUrl}/tasks/abc/exec`, as(undefined, exec))).status, 401);
    const input = post({ data: 'aWQK' });
    const inputPath = `${workerUrl}/tasks/abc/exec/00000000-0000-4000-8000-000000000000/input`;
    assert.equal((await tlsFetch(inputPath, as(a, input))).status, 403);
    assert.equal((await tlsFetch(inputPath, as(undefined, input))).status, 401);
    // files of a container of this worker, out or in, and its processes: the manager's call alone
    for (const [method, path] of [
      ['GET', '/tasks/abc/archive/stat?path=%2Fetc'],
      ['GET', '/tasks/abc/archive?path=%2Fetc'],
      ['PUT', '/tasks/abc/archive?path=%2Ftmp'],
      ['GET', '/tasks/abc/top'],
    ] as const) {
      assert.equal((await tlsFetch(`${workerUrl}${path}`, as(a, { method }))).status, 403, `${method} ${path}`);
      assert.equal((await tlsFetch(`${workerUrl}${path}`, as(undefined, { method }))).status, 401, `${method} ${path}`);
    }
    assert.equal((await tlsFetch(`${workerUrl}/healthz`, as(undefined))).status, 200, '/healthz stays open');
    const listed = await tlsFetch(`${workerUrl}/tasks`, { tls: asManager(c.access) });
    assert.equal(listed.status, 200, 'the manager is answered');
    assert.deepEqual(
      (listed.json() as Array<{ name: string }>).filter((t) => t.name === 'intruder'),
      [],
      'nothing was started',
    );
    assert.deepEqual(await containersWithLabel('poseidon.task-id', 'intruder'), []);
  });

  test('each refusal is logged once at info with its route and the node, never a secret', async () => {
    const lines = refusals();
    assert.ok(lines.length > 0);
    for (const l of lines) assert.equal(l.level, 30, JSON.stringify(l));
    const spoke = lines.filter((l) => String(l.msg).includes(`not for node ${b.nodeId} (POST /nodes/:id/heartbeat)`));
    assert.equal(spoke.length, 1, 'the heartbeat for another node: one line');
    const forbiddenRoutes = lines.filter((l) => l.msg === 'request refused' && l.nodeId === a.nodeId);
    assert.ok(
      forbiddenRoutes.some((l) => l.route === 'GET /tasks'),
      JSON.stringify(forbiddenRoutes),
    );
    assert.ok(
      lines.some(
        (l) => l.route === 'POST /nodes/:id/heartbeat' && l.nodeId === a.nodeId && l.code === 'unauthenticated',
      ),
    );
    // the secret is all after `psdn_<id>_` (base64url: it may hold `_` itself) and after `PSDN-1-<hash>-`
    const secrets = [
      c.access.adminToken.split('_').slice(2).join('_'),
      c.access.joinToken.split('-').slice(3).join('-'),
    ];
    for (const s of secrets) assert.ok(s.length >= 32, `a whole secret, not a fragment: ${s.length} characters`);
    for (const line of c.manager.output) for (const s of secrets) assert.ok(!line.includes(s), 'a secret in the log');
  });

  test('a node removed with poseidon node rm is refused at once (401), its worker stops its tasks and exits, and they go to another node', async () => {
    const [id] = await c.submitMany('moves', 1);
    assert.ok(id !== undefined);
    const first = (await c.allInState([id], 'Running'))[0];
    const from = first?.node === c.workerName('a') ? 'a' : 'b';
    const gone = from === 'a' ? a : b;
    const removed = await c.cli(['node', 'rm', c.workerName(from)]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`node ${c.workerName(from)} \\(${gone.nodeId}\\) removed`));
    const beat = await tlsFetch(
      `${c.manager.url}/nodes/${gone.nodeId}/heartbeat`,
      as(gone, post({ metrics, tasks: [] })),
    );
    assert.equal(beat.status, 401);
    assert.equal(code(beat), 'node_removed');
    assert.match((beat.json() as { error: { message: string } }).error.message, /removed from the cluster/);
    // its worker hears it at its next beat: it stops its copies (they run elsewhere now) and exits
    // with a status its systemd unit does not restart (78)
    const proc = c.workers.get(from);
    assert.ok(proc !== undefined);
    await waitFor(async () => !proc.isAlive(), { what: `the worker of ${c.workerName(from)} exits` });
    assert.equal(proc.exitCode, 78);
    assert.ok(
      proc.output.some((l) => /was removed from the cluster.*its tasks are stopped and the worker exits/.test(l)),
      proc.output.slice(-5).join('\n'),
    );
    for (const container of await containersWithLabel('poseidon.worker', c.workerName(from)))
      assert.equal(await isRunning(container), false, 'the removed worker left none of its containers running');
    const other = c.workerName(from === 'a' ? 'b' : 'a');
    await waitFor(
      async () => {
        const t = await c.client.getTask(id);
        return t.state === 'Running' && t.node === other;
      },
      { what: `task ${id} Running on ${other}` },
    );
    assert.deepEqual(
      (await c.client.listNodes()).map((n) => n.name),
      [other],
    );
    // the other worker hears of the removal at its next beat: its tunnel refuses the node's certificate too
    const otherPort = Number(new URL(c.workers.get(from === 'a' ? 'b' : 'a')?.url ?? '').port);
    const tunnel = (): ReturnType<typeof askTunnel> =>
      askTunnel(otherPort, `/tunnel/${id}/80`, { ca: c.access.caPem, cert: gone.cert, key: gone.key });
    await waitFor(async () => (await tunnel()).status === 401, { what: `${other}'s tunnel refusing the removed node` });
    assert.match((await tunnel()).text, new RegExp(`node ${gone.nodeId} was removed from the cluster`));
    const kept = from === 'a' ? b : a;
    assert.equal(
      (await askTunnel(otherPort, '/tunnel/nosuch/80', { ca: c.access.caPem, cert: kept.cert, key: kept.key })).status,
      404,
      'a node still in the cluster is let past the certificate check (no such task: 404)',
    );
    // the revocation is durable: a restarted manager refuses the node as well
    await c.restartManager();
    const again = await tlsFetch(
      `${c.manager.url}/nodes/${gone.nodeId}/heartbeat`,
      as(gone, post({ metrics, tasks: [] })),
    );
    assert.equal(again.status, 401);
    assert.match((again.json() as { error: { message: string } }).error.message, /removed from the cluster/);
  });
});
