import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { RevokedNodes } from '../../../src/worker/revoked-nodes.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { askTunnel } from '../../../testkit/tunnel-ask.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { cluster, tunnelCount, tunnelWorker, type Cert, type Cluster, type TunnelWorker } from '../proxy/mesh-rig.js';
import { block, closeAll, tcpReplica, type TcpReplica } from '../proxy/loopback.js';

// A node removed from the cluster (`poseidon node rm`) opens no tunnel on a worker that the
// manager told of the removal: its certificate is refused 401 with the manager's words, and a
// tunnel it holds already is ended.

const REMOVED = '0000000a-0000-4000-8000-000000000001';
const KEPT = '0000000b-0000-4000-8000-000000000002';

let c: Cluster;
let worker: TunnelWorker;
let echo: TcpReplica & { port: number };
let revoked: RevokedNodes;

before(async () => {
  c = await cluster();
  const net = block();
  echo = await tcpReplica('r1', `${net}.2`, 0);
  const task: WorkerTaskView = workerTaskView('r1', {
    labels: { 'poseidon.service': 'web' },
    ports: [{ container: echo.port, host: 0, protocol: 'tcp' }],
    address: `${net}.2`,
  });
  revoked = new RevokedNodes(pino({ level: 'silent' }));
  worker = await tunnelWorker(c, new Map([['r1', task]]), { isRevoked: (id) => revoked.has(id) });
  revoked.onRevoked(() => worker.tunnels.dropRevoked());
});
after(async () => {
  await worker.close();
  await closeAll([echo.server]);
});

/** A tunnel held open: resolves once the replica's greeting came through it. */
async function holdTunnel(cert: Cert): Promise<ReturnType<typeof connect>> {
  const s = connect({ host: '127.0.0.1', port: worker.port, ca: c.ca, ...cert, checkServerIdentity: () => undefined });
  s.on('error', () => {});
  await once(s, 'secureConnect');
  s.write(
    `GET /tunnel/r1/${echo.port} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: poseidon-tunnel/1\r\n\r\n`,
  );
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => (got += d));
  await waitFor(() => got.startsWith('HTTP/1.1 101') && got.endsWith('r1\n'), { what: 'the tunnel open' });
  return s;
}

test("a removed node's tunnel ends and its certificate is refused 401; other nodes' are not", async () => {
  const removed = { ca: c.ca, ...(await c.issue('worker', REMOVED)) };
  const kept = { ca: c.ca, ...(await c.issue('worker', KEPT)) };
  const path = `/tunnel/r1/${echo.port}`;
  assert.equal((await askTunnel(worker.port, path, removed)).status, 101, 'not revoked yet: as before');
  const held = await holdTunnel(removed);
  const keptHeld = await holdTunnel(kept);
  const closed = once(held, 'close');
  revoked.replace([REMOVED]);
  await closed; // the removed node's open tunnel was ended
  assert.equal(keptHeld.destroyed, false, "another node's tunnel stays");
  const refused = await askTunnel(worker.port, path, removed);
  assert.equal(refused.status, 401);
  assert.match(refused.text, new RegExp(`"node ${REMOVED} was removed from the cluster; its certificate is revoked`));
  assert.equal(await tunnelCount(worker.registry, 'refused'), 1);
  assert.equal((await askTunnel(worker.port, path, kept)).status, 101);
  keptHeld.destroy();
  // the manager's list replaces the last one
  revoked.replace([KEPT]);
  assert.equal((await askTunnel(worker.port, path, kept)).status, 401);
  assert.equal((await askTunnel(worker.port, path, removed)).status, 101);
});
