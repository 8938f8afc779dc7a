import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import type { WorkerTaskView } from '../../../src/api/index.js';
import type { ClientTls } from '../../../src/client/tls.js';
import { httpsOptions } from '../../../src/http/server-tls.js';
import { dialTunnel, hopKey, retainTunnelSessions, TunnelRefused } from '../../../src/proxy/tunnel-dial.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { block, closeAll, tcpReplica, type TcpReplica } from './loopback.js';
import { cluster, tunnelCount, tunnelWorker, type Cluster, type TunnelWorker } from './mesh-rig.js';

// A proxy's tunnels to one worker resume the TLS session of the one before (no full handshake per
// tunnel), and the worker still decides by the caller's certificate of that session: a worker
// certificate of its cluster opens it, anything else is refused as on a fresh handshake, and an
// expired one too. Renewed credentials on either side, or a worker no replica is reached through
// any more, start afresh.

let c: Cluster;
let worker: TunnelWorker;
let echo: TcpReplica & { port: number };
/** The worker's clock: a test moves it past a certificate's expiry. */
let now = Date.now();
/** What the worker's side of each tunnel saw: a resumed session or not, and the caller's certificate. */
const seen: Array<{ reused: boolean; fingerprint: string | undefined }> = [];

before(async () => {
  c = await cluster();
  const net = block();
  echo = await tcpReplica('r1', `${net}.2`, 0);
  const task: WorkerTaskView = workerTaskView('r1', {
    name: 'web-r1',
    labels: { 'poseidon.service': 'web' },
    ports: [{ container: echo.port, host: 0, protocol: 'tcp' }],
    address: `${net}.2`,
  });
  worker = await tunnelWorker(c, new Map([['r1', task]]), { now: () => now });
  worker.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    const tls = socket as TLSSocket;
    const cert = tls.getPeerCertificate();
    seen.push({ reused: tls.isSessionReused(), fingerprint: cert?.fingerprint256 });
  });
});
after(async () => {
  await worker.close();
  await closeAll([echo.server]);
});

const hop = (): { host: string; hostname: string; port: number } => ({
  host: '127.0.0.1',
  hostname: '127.0.0.1',
  port: worker.port,
});

/** One tunnel to the replica: whether its TLS session was resumed, and what came of it. */
async function dial(tls: ClientTls): Promise<{ reused: boolean; early?: string; error?: unknown }> {
  const target = { taskId: 'r1', address: '10.0.0.2', port: echo.port, key: 'r1@h2', via: hop() };
  return new Promise((resolve) => {
    let reused = false;
    const socket = dialTunnel(target, tls, {
      open: (s, early) => {
        resolve({ reused, early: early.toString('latin1') });
        s.destroy();
      },
    });
    socket.once('secureConnect', () => (reused = socket.isSessionReused()));
    socket.on('error', (error) => resolve({ reused, error }));
  });
}

async function asWorker(): Promise<ClientTls> {
  return { ca: c.ca, ...(await c.issue('worker')) };
}

function fingerprint(tls: { cert?: string }): string {
  return new X509Certificate(tls.cert ?? '').fingerprint256;
}

test("a second tunnel resumes the first's session; the worker still sees the caller's certificate", async () => {
  const tls = await asWorker();
  seen.length = 0;
  const opened = await tunnelCount(worker.registry, 'opened');
  const first = await dial(tls);
  const second = await dial(tls);
  assert.deepEqual(first, { reused: false, early: '' });
  assert.deepEqual(second, { reused: true, early: '' }, 'the second tunnel resumed the TLS session');
  assert.deepEqual(seen, [
    { reused: false, fingerprint: fingerprint(tls) },
    { reused: true, fingerprint: fingerprint(tls) },
  ]);
  assert.equal(await tunnelCount(worker.registry, 'opened'), opened + 2);
});

test('a caller the worker refuses is refused on a resumed session as on a fresh one', async () => {
  const other = await cluster();
  const cases: Array<[ClientTls, number, RegExp]> = [
    [{ ca: c.ca, ...(await c.issue('manager')) }, 403, /may not call .* it needs a worker certificate/],
    [{ ca: c.ca, ...(await other.issue('worker')) }, 401, /not issued by this cluster's CA/],
  ];
  for (const [tls, status, words] of cases) {
    for (const resumed of [false, true]) {
      const got = await dial(tls);
      assert.equal(got.reused, resumed);
      assert.ok(got.error instanceof TunnelRefused, `refused (${status}, resumed: ${resumed})`);
      assert.equal(got.error.status, status);
      assert.match(got.error.message, words);
    }
  }
});

test("a caller's certificate that expired since its session began is refused on the resumed one", async () => {
  const tls = await asWorker();
  assert.equal((await dial(tls)).early, '');
  now = Date.now() + 2 * 3_600_000; // past the certificate's hour
  try {
    const got = await dial(tls);
    assert.equal(got.reused, true);
    assert.ok(got.error instanceof TunnelRefused);
    assert.equal(got.error.status, 401);
    assert.match(got.error.message, /has expired/);
  } finally {
    now = Date.now();
  }
});

test('renewed credentials start afresh, and so does a worker whose session was dropped when it left', async () => {
  const tls = await asWorker();
  await dial(tls);
  assert.equal((await dial(tls)).reused, true);
  assert.equal((await dial({ ...tls })).reused, false, 'a new credentials object does not offer the old session');
  retainTunnelSessions(tls, new Set([hopKey(hop())]));
  assert.equal((await dial(tls)).reused, true, 'a worker still in use keeps its session');
  retainTunnelSessions(tls, new Set());
  assert.equal((await dial(tls)).reused, false, 'the session of a worker that left is gone');
});

test('a worker whose certificate was renewed is not resumed: its new certificate is checked', async () => {
  const tls = await asWorker();
  await dial(tls);
  assert.equal((await dial(tls)).reused, true);
  const renewed = await c.issue('worker');
  worker.server.setSecureContext(httpsOptions({ ...renewed, ca: c.ca })); // as setServerTls does
  const target = { taskId: 'r1', address: '10.0.0.2', port: echo.port, key: 'r1@h2', via: hop() };
  const socket = dialTunnel(target, tls, { open: (s) => s.destroy() });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  assert.equal(socket.isSessionReused(), false);
  assert.equal(socket.getPeerCertificate().fingerprint256, fingerprint(renewed));
  await once(socket, 'close');
  assert.equal((await dial(tls)).reused, true, 'and the next tunnel resumes the new session');
});
