import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { parseTunnelRequest, tunnelGrant } from '../../../src/worker/tunnel-request.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { askTunnel } from '../../../testkit/tunnel-ask.js';
import { cluster, tunnelCount, tunnelWorker, type Cluster, type TunnelWorker } from '../proxy/mesh-rig.js';
import { block, closeAll, tcpReplica, type TcpReplica } from '../proxy/loopback.js';

// The worker's tunnel (a proxy on another host to one of its replicas' ports): what a request
// asks, what is granted, and, on a real HTTPS server with mutual TLS, who is refused.

const UPGRADE = { connection: 'Upgrade', upgrade: 'poseidon-tunnel/1' };

function replica(id: string, fields: Partial<WorkerTaskView> = {}): WorkerTaskView {
  return workerTaskView(id, {
    name: `web-${id}`,
    labels: { 'poseidon.service': 'web' },
    ports: [{ container: 8080, host: 0, protocol: 'tcp' }],
    address: '10.0.0.5',
    ...fields,
  });
}

test('a tunnel request is GET /tunnel/{taskId}/{port}[?proto=tcp|udp] with Upgrade: poseidon-tunnel/1; else a 400', () => {
  const ok = { ok: true, taskId: 't1', port: 8080 };
  assert.deepEqual(parseTunnelRequest('GET', '/tunnel/t1/8080', UPGRADE), { ...ok, proto: 'tcp' });
  assert.deepEqual(parseTunnelRequest('GET', '/tunnel/t1/8080?proto=udp', UPGRADE), { ...ok, proto: 'udp' });
  assert.deepEqual(parseTunnelRequest('GET', '/tunnel/t1/8080?proto=tcp', UPGRADE), { ...ok, proto: 'tcp' });
  const bad = parseTunnelRequest('GET', '/tunnel/t1/8080?proto=sctp', UPGRADE);
  assert.match(bad.ok ? '' : bad.refusal.body.error.message, /proto only, tcp or udp/, 'the refusal names the field');
  for (const [method, url, headers] of [
    ['POST', '/tunnel/t1/8080', UPGRADE],
    ['GET', '/tunnel/t1/0', UPGRADE],
    ['GET', '/tunnel/t1/65536', UPGRADE],
    ['GET', '/tunnel/t1/80/extra', UPGRADE],
    ['GET', '/tunnel/../8080', UPGRADE],
    ['GET', '/tunnel/t1/8080', { connection: 'Upgrade', upgrade: 'websocket' }],
    ['GET', '/tunnel/t1/8080?proto=sctp', UPGRADE],
    ['GET', '/tunnel/t1/8080?proto=udp&x=1', UPGRADE],
    ['GET', '/tunnel/t1/8080?x=1', UPGRADE],
    ['GET', '/tunnel/t1/8080?proto=udp&proto=tcp', UPGRADE],
  ] as const) {
    const asked = parseTunnelRequest(method, url, headers);
    assert.equal(asked.ok, false, `${method} ${url}`);
    if (!asked.ok) assert.equal(asked.refusal.status, 400);
  }
});

test('a tunnel goes only to a service replica of this worker, Running with an address, and a tcp port of its spec', () => {
  assert.deepEqual(tunnelGrant('t1', replica('t1'), 8080), { ok: true, address: '10.0.0.5', port: 8080, proto: 'tcp' });
  const dns = replica('t1', { ports: [{ container: 53, host: 0, protocol: 'udp' }] });
  assert.deepEqual(tunnelGrant('t1', dns, 53, 'udp'), { ok: true, address: '10.0.0.5', port: 53, proto: 'udp' });
  assert.equal(tunnelGrant('t1', dns, 53, 'tcp').ok, false, 'a udp port is no tcp tunnel');
  assert.equal(tunnelGrant('t1', replica('t1'), 8080, 'udp').ok, false, 'a tcp port is no udp tunnel');
  const cases: Array<[WorkerTaskView | undefined, number, number, string]> = [
    [undefined, 8080, 404, 'task_not_found'], // not this worker's
    [replica('t1', { labels: {} }), 8080, 404, 'task_not_found'], // a plain task
    [replica('t1'), 22, 404, 'not_found'], // a port its spec does not declare
    [replica('t1', { ports: [{ container: 8080, host: 0, protocol: 'udp' }] }), 8080, 404, 'not_found'],
    [replica('t1', { state: 'Completed' }), 8080, 409, 'task_not_running'],
    [replica('t1', { state: 'Scheduled', address: undefined }), 8080, 409, 'task_not_running'],
  ];
  for (const [task, port, status, code] of cases) {
    const grant = tunnelGrant('t1', task, port);
    assert.equal(grant.ok, false);
    if (!grant.ok) assert.deepEqual([grant.refusal.status, grant.refusal.body.error.code], [status, code]);
  }
});

describe('the tunnel on a real HTTPS server', () => {
  let c: Cluster;
  let other: Cluster;
  let worker: TunnelWorker;
  let echo: TcpReplica & { port: number };
  const tasks = new Map<string, WorkerTaskView>();

  before(async () => {
    c = await cluster();
    other = await cluster();
    const net = block();
    echo = await tcpReplica('r1', `${net}.2`, 0);
    const ports = [{ container: echo.port, host: 0, protocol: 'tcp' as const }];
    tasks.set('r1', replica('r1', { ports, address: `${net}.2` }));
    tasks.set('plain', replica('plain', { ports, address: `${net}.2`, labels: {} }));
    tasks.set('ended', replica('ended', { ports, address: `${net}.2`, state: 'Failed' }));
    worker = await tunnelWorker(c, tasks, { maxTunnels: 2 });
  });
  after(async () => {
    await worker.close();
    await closeAll([echo.server]);
  });

  test("a worker certificate of the cluster opens one: 101, then the replica's bytes", async () => {
    const asWorker = { ca: c.ca, ...(await c.issue('worker')) };
    const answer = await askTunnel(worker.port, `/tunnel/r1/${echo.port}`, asWorker);
    assert.equal(answer.status, 101);
    assert.equal(answer.text, 'r1\n');
    assert.equal(await tunnelCount(worker.registry, 'opened'), 1);
  });

  test('no certificate, one of another CA, a manager certificate, an API token: refused 401/403, nothing connected', async () => {
    const before = echo.received.length;
    const path = `/tunnel/r1/${echo.port}`;
    const none = await askTunnel(worker.port, path, { ca: c.ca });
    assert.equal(none.status, 401);
    assert.match(none.text, /needs a worker certificate of this cluster/);
    const foreign = await askTunnel(worker.port, path, { ca: c.ca, ...(await other.issue('worker')) });
    assert.equal(foreign.status, 401);
    assert.match(foreign.text, /not issued by this cluster's CA/);
    const manager = await askTunnel(worker.port, path, { ca: c.ca, ...(await c.issue('manager')) });
    assert.equal(manager.status, 403);
    const token = await askTunnel(worker.port, path, { ca: c.ca }, { ...UPGRADE, authorization: 'Bearer psdn_x' });
    assert.equal(token.status, 401);
    assert.equal(echo.received.length, before, 'the replica saw no connection');
  });

  test("a plain task, an ended replica, a port not in its spec, another worker's task: refused, nothing connected", async () => {
    const asWorker = { ca: c.ca, ...(await c.issue('worker')) };
    const before = echo.received.length;
    for (const [path, status] of [
      [`/tunnel/plain/${echo.port}`, 404],
      [`/tunnel/ended/${echo.port}`, 409],
      [`/tunnel/r1/${echo.port + 1}`, 404],
      [`/tunnel/elsewhere/${echo.port}`, 404],
      ['/other', 404],
    ] as const) {
      const answer = await askTunnel(worker.port, path, asWorker);
      assert.equal(answer.status, status, path);
      assert.match(answer.text, /^\{"error":\{"code":"[a-z_]+","message":/, 'the error shape');
    }
    assert.equal(echo.received.length, before);
  });

  test('past its most open tunnels, one more is refused 503 too_many_tunnels until one closes', async () => {
    const asWorker = { ca: c.ca, ...(await c.issue('worker')) };
    const { connect } = await import('node:tls');
    const held = [];
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: '127.0.0.1', port: worker.port, ...asWorker, checkServerIdentity: () => undefined });
      s.on('error', () => {});
      s.write(
        `GET /tunnel/r1/${echo.port} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: poseidon-tunnel/1\r\n\r\n`,
      );
      held.push(s);
    }
    const { waitFor } = await import('../../integration/helpers/wait-for.js');
    await waitFor(() => worker.tunnels.size === 2, { what: 'two tunnels open' });
    const third = await askTunnel(worker.port, `/tunnel/r1/${echo.port}`, asWorker);
    assert.equal(third.status, 503);
    assert.match(third.text, /too_many_tunnels/);
    assert.equal(await tunnelCount(worker.registry, 'busy'), 1);
    for (const s of held) s.destroy();
    await waitFor(() => worker.tunnels.size === 0, { what: 'the tunnels closed' });
    assert.equal((await askTunnel(worker.port, `/tunnel/r1/${echo.port}`, asWorker)).status, 101);
  });
});
