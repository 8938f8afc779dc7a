import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import type { EndpointView, ServiceEndpointsView, WorkerTaskView } from '../../../src/api/index.js';
import { targetOf, tunnelHop } from '../../../src/proxy/mesh-route.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import {
  block,
  closeAll,
  endpoint,
  EPOCH,
  greet,
  httpReplica,
  metric,
  oneShot,
  serviceView,
  startRig,
  tcpReplica,
  type HttpReplica,
  type TcpReplica,
} from './loopback.js';
import { cluster, tunnelCount, tunnelWorker, type Cluster, type TunnelWorker } from './mesh-rig.js';

// The proxy's choice, direct or through the replica's worker, and the tunnel carrying tcp and
// http traffic: a real worker tunnel (mutual TLS) in front of replicas on the loopback network.

const via = 'https://10.1.2.3:7071';

test('direct when the replica is on this machine or nothing says where it is; through its worker otherwise', () => {
  const e = (fields: Partial<EndpointView>): EndpointView => ({ ...endpoint('t', '10.0.0.5'), ...fields });
  assert.equal(tunnelHop(e({ hostId: 'h1', via }), 'h1'), undefined, 'same machine');
  assert.equal(tunnelHop(e({ via }), 'h1'), undefined, 'an older worker: no host id');
  assert.equal(tunnelHop(e({ hostId: 'h2' }), 'h1'), undefined, 'an older manager: no worker URL');
  assert.equal(tunnelHop(e({ hostId: 'h2', via }), undefined), undefined, 'a proxy without a mesh');
  assert.equal(tunnelHop(e({ hostId: 'h2', via: 'http://10.1.2.3:7071' }), 'h1'), undefined, 'never in the clear');
  assert.deepEqual(tunnelHop(e({ hostId: 'h2', via }), 'h1'), { host: '10.1.2.3', hostname: '10.1.2.3', port: 7071 });
  assert.deepEqual(tunnelHop(e({ hostId: 'h2', via: 'https://[fd00::1]:7071' }), 'h1')?.host, 'fd00::1');
  // the node its worker's certificate must name, when the manager says
  assert.deepEqual(tunnelHop(e({ hostId: 'h2', via, viaNode: 'n2' }), 'h1'), {
    ...{ host: '10.1.2.3', hostname: '10.1.2.3', port: 7071, nodeId: 'n2' },
  });
  // two hosts' containers may share an address (each bridge has the same subnet): set aside apart
  const here = targetOf(e({ hostId: 'h1', via }), 80, 'h1');
  const there = targetOf(e({ hostId: 'h2', via }), 80, 'h1');
  assert.equal(here?.key, '10.0.0.5:80');
  assert.equal(there?.key, '10.0.0.5:80@h2');
});

describe('the proxy through a worker tunnel', () => {
  let c: Cluster;
  let worker: TunnelWorker;
  let tcp: TcpReplica & { port: number };
  let web: HttpReplica & { port: number };
  let net: string;
  let mesh: { hostId: string; tls: () => { ca: string; cert: string; key: string } };
  const tasks = new Map<string, WorkerTaskView>();

  before(async () => {
    c = await cluster();
    net = block();
    tcp = await tcpReplica('far', `${net}.2`, 0);
    web = await httpReplica('far-web', `${net}.3`, 0);
    const replica = (id: string, address: string, port: number): WorkerTaskView =>
      workerTaskView(id, {
        labels: { 'poseidon.service': 'web' },
        ports: [{ container: port, host: 0, protocol: 'tcp' }],
        address,
      });
    tasks.set('far', replica('far', `${net}.2`, tcp.port));
    tasks.set('far-web', replica('far-web', `${net}.3`, web.port));
    worker = await tunnelWorker(c, tasks);
    const own = { ca: c.ca, ...(await c.issue('worker')) };
    mesh = { hostId: 'host-a', tls: () => own };
  });
  after(async () => {
    await worker.close();
    await closeAll([tcp.server, web.server]);
  });

  const far = (id: string, address: string): EndpointView => ({
    ...endpoint(id, address),
    hostId: 'host-b',
    via: worker.url,
  });

  test('tcp: the greeting, the bytes both ways, the PROXY header first, each end passed on', async () => {
    const ports = [{ name: null, port: tcp.port, protocol: 'tcp' as const, proxyProtocol: 'v1' as const }];
    const rig = await startRig([serviceView('svc', `${net}.1`, ports, [far('far', `${net}.2`)])], { mesh });
    const opened = await tunnelCount(worker.registry, 'opened');
    try {
      const { socket, line } = await greet(`${net}.1`, tcp.port, `${net}.100`);
      assert.equal(line, 'far');
      socket.write('hello');
      socket.end(); // half-close: the echo still comes back, then the replica's end
      let echoed = '';
      socket.on('data', (c: string) => (echoed += c));
      await once(socket, 'end');
      const got = tcp.received.at(-1)?.toString('latin1') ?? '';
      assert.match(got, new RegExp(`^PROXY TCP4 ${net.replaceAll('.', '\\.')}\\.100 .*\\r\\nhello$`));
      assert.equal(echoed, got, 'the replica echoes all it got, the header too, then ends after the client did');
      assert.equal(await tunnelCount(worker.registry, 'opened'), opened + 1, 'through the tunnel');
      await waitFor(async () => (await tunnelCount(worker.registry)) === 0, { what: 'the tunnel closed' });
    } finally {
      await rig.proxy.close();
    }
  });

  test('http: requests on kept-alive tunnels, answered by the replica', async () => {
    const ports = [{ name: null, port: web.port, protocol: 'http' as const }];
    const rig = await startRig([serviceView('svc', `${net}.1`, ports, [far('far-web', `${net}.3`)])], { mesh });
    const opened = await tunnelCount(worker.registry, 'opened');
    try {
      for (let i = 0; i < 3; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = request({ host: `${net}.1`, port: web.port, path: `/r${i}`, agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve(`${res.statusCode} ${text}`));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(body, '200 far-web');
      }
      assert.deepEqual(
        web.requests.slice(-3).map((r) => r.url),
        ['/r0', '/r1', '/r2'],
      );
      assert.equal(
        await tunnelCount(worker.registry, 'opened'),
        opened + 1,
        'one tunnel, kept alive, carried all three',
      );
    } finally {
      await rig.proxy.close();
    }
  });

  test('a tunnel the worker refuses is a failed connect: the next replica takes the client', async () => {
    const near = await tcpReplica('near', `${net}.4`, tcp.port);
    const ports = [{ name: null, port: tcp.port, protocol: 'tcp' as const, balance: 'round-robin' as const }];
    // "gone" is no task of that worker: 404, then the replica on this host
    const eps = [far('gone', `${net}.9`), { ...endpoint('near', `${net}.4`), hostId: 'host-a', via }];
    const rig = await startRig([serviceView('svc', `${net}.1`, ports, eps)], { mesh });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add(await oneShot(`${net}.1`, tcp.port));
      assert.deepEqual([...seen], ['near']);
      assert.ok((await metric(rig.registry, 'poseidon_proxy_failed_connects_total', 'svc')) >= 1);
      assert.ok((await tunnelCount(worker.registry, 'refused')) >= 1);
    } finally {
      await rig.proxy.close();
      await closeAll([near.server]);
    }
  });

  test("tcp: each client's tunnel resumes the last one's TLS session, until the worker left the table", async () => {
    const ports = [{ name: null, port: tcp.port, protocol: 'tcp' as const }];
    const own = mesh.tls();
    const fresh = { ...own }; // credentials of their own: no session of the tests before
    const view = (eps: EndpointView[]): ServiceEndpointsView[] => [serviceView('svc', `${net}.1`, ports, eps)];
    const rig = await startRig(view([far('far', `${net}.2`)]), { mesh: { hostId: 'host-a', tls: () => fresh } });
    const reused: boolean[] = [];
    const onUpgrade = (_req: unknown, socket: TLSSocket): void => void reused.push(socket.isSessionReused());
    worker.server.on('upgrade', onUpgrade);
    try {
      assert.equal(await oneShot(`${net}.1`, tcp.port), 'far');
      assert.equal(await oneShot(`${net}.1`, tcp.port), 'far');
      // the worker leaves (no replica reached through it), then comes back: a full handshake again
      rig.table.apply({ type: 'snapshot', epoch: EPOCH, revision: 2, services: view([]) });
      await rig.proxy.restoreVips(); // queued after the reconcile the change started: it has run
      rig.table.apply({ type: 'snapshot', epoch: EPOCH, revision: 3, services: view([far('far', `${net}.2`)]) });
      assert.equal(await oneShot(`${net}.1`, tcp.port), 'far');
      assert.deepEqual(reused, [false, true, false]);
    } finally {
      worker.server.off('upgrade', onUpgrade);
      await rig.proxy.close();
    }
  });

  test('a replica on this machine is connected to directly: no tunnel asked', async () => {
    const ports = [{ name: null, port: tcp.port, protocol: 'tcp' as const }];
    const here = { ...endpoint('far', `${net}.2`), hostId: 'host-a', via: worker.url };
    const rig = await startRig([serviceView('svc', `${net}.1`, ports, [here])], { mesh });
    const asked = await tunnelCount(worker.registry, 'opened');
    try {
      assert.equal(await oneShot(`${net}.1`, tcp.port), 'far');
      assert.equal(await tunnelCount(worker.registry, 'opened'), asked);
      const s = connect({ host: `${net}.1`, port: tcp.port });
      s.on('error', () => {});
      s.destroy();
    } finally {
      await rig.proxy.close();
    }
  });
});
