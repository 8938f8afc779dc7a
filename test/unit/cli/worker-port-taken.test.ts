import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClusterCa, credentialsOf, newKeyAndCsr, publicKeyOfCsr, saveNodeCredentials } from '../../../src/pki/index.js';

// `poseidon worker` whose port something else holds: it printed "cannot listen on ..." and went
// on running on what it had started before listening (its store, host metrics, the engine's event
// stream), until killed. It must exit, non-zero, with that one line. No Docker: a stand-in engine
// on a unix socket answers what a worker asks as it starts (ping, its network, its containers,
// the event stream it keeps open), and the worker has joined already (its certificate is in its
// data dir). The CLI runs as compiled (src/cli/main.js beside this test), in its own process.

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const NETWORK = 'pn-porttaken';
const SUBNET = '10.216.0.0/24';
const HOUR = 3_600_000;

/** The engine's answers to a starting worker; the event stream stays open, as the engine's does. */
function fakeEngine(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://engine').pathname.replace(/^\/v[0-9.]+/, '');
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (path === '/_ping') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('OK');
  } else if (path === `/networks/${NETWORK}`) {
    json(200, {
      Name: NETWORK,
      Id: 'n1',
      Labels: { 'poseidon.network': NETWORK },
      IPAM: { Config: [{ Subnet: SUBNET }] },
    });
  } else if (path === '/events') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
  } else if (path.endsWith('/json') || path === '/volumes') {
    json(200, path === '/volumes' ? { Volumes: [] } : []);
  } else {
    json(404, { message: `no ${path} in this stand-in` });
  }
}

test('a worker whose port is taken exits non-zero with one line, closing what it had started', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-port-taken-'));
  const nodeId = randomUUID();
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(join('/dev/shm', `poseidon-${nodeId}`), { recursive: true, force: true });
  });
  // joined before: a worker certificate of some cluster in its data dir
  const dataDir = join(dir, 'worker');
  await mkdir(dataDir);
  const ca = (await ClusterCa.create(Date.now())).ca;
  const { keyPem, csrPem } = await newKeyAndCsr();
  const certPem = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId,
    role: 'worker',
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - HOUR,
    notAfterMs: Date.now() + HOUR,
  });
  await saveNodeCredentials(dataDir, credentialsOf({ keyPem, certPem, caPem: ca.certPem }));

  const socket = join(dir, 'docker.sock');
  const engine = createHttpServer(fakeEngine);
  await new Promise<void>((resolve) => engine.listen(socket, resolve));
  t.after(() => {
    engine.closeAllConnections();
    engine.close();
  });
  const held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  t.after(() => held.close());
  const { port } = held.address() as AddressInfo;

  const args = ['worker', '--docker-socket', socket, '--data-dir', dataDir, '--port', String(port)];
  args.push('--network', NETWORK, '--subnet', SUBNET, '--log-level', 'silent');
  const env: NodeJS.ProcessEnv = { ...process.env, POSEIDON_CONFIG_DIR: dir };
  delete env.POSEIDON_JOIN_TOKEN;
  delete env.POSEIDON_LOG_LEVEL;
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // a worker that does not exit would hang this test: that is the fault, and it is stopped at the end
  t.after(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  assert.equal(
    stderr,
    `poseidon: cannot listen on 127.0.0.1:${port}: something else listens there (another poseidon?); stop it or ` +
      'choose another port (--port, --worker-port, --dns-port)\n',
  );
  assert.equal(code, 1);
});
