import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ServiceEndpointsView } from '../../src/api/index.js';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { answeredBy, udpClient, type UdpClient } from '../helpers/udp-client.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

const run = promisify(execFile);

// udp ports through a service's VIP with a real manager and two real workers on one machine that
// say they are two (`--host-id host-a`, `--host-id host-b`); the proxy runs with worker a. One
// service's replicas run on a (reached at their container address), another's on b (reached
// through b's worker tunnel, `?proto=udp`). busybox's nc has no udp, so each replica's udp echo
// is a node process this test starts in the replica container's network namespace (`nsenter
// -n`), and stops by its pid. The host sends datagrams to VIP:port and gets the echo back.
// Needs root (`ip addr`, nsenter), as the workers' network does.

const PORT = 5353;
/** Answers each datagram with `<task id>:` and the datagram, on PORT. */
const ECHO = [
  "const s = require('node:dgram').createSocket('udp4');",
  "s.on('message', (m, r) => s.send(Buffer.concat([Buffer.from(process.argv[1] + ':'), m]), r.port, r.address));",
  `s.bind(${PORT}, () => console.log('listening'));`,
].join('\n');

describe('udp ports through the VIP, on this host and through another host’s worker', () => {
  const c = new TestCluster();
  const docker = new Docker();
  const echoes: ChildProcess[] = [];
  const clients: UdpClient[] = [];
  let net: TestNetwork;
  let bUrl = '';

  before(async () => {
    net = await createTestNetwork(docker, c.runId);
    await c.startManager(net.managerArgs);
    const proxyArgs = ['--proxy', '--dns-port', '0', '--no-recursion', '--host-id', 'host-a', '--label', 'host=a'];
    await c.startWorker('a', [...net.workerArgs, ...proxyArgs]);
    bUrl = (await c.startWorker('b', [...net.workerArgs, '--host-id', 'host-b', '--label', 'host=b'])).url;
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const echo of echoes) if (echo.exitCode === null && echo.signalCode === null) echo.kill('SIGKILL');
    await c.close();
    await docker
      .getNetwork(net.name)
      .remove()
      .catch(() => {});
  });

  /** A udp echo in the network namespace of `taskId`'s container; resolves once it listens. */
  async function startEcho(taskId: string): Promise<void> {
    // the endpoint may be ready a moment before the task's record names its container
    const containerId = await waitFor(async () => (await c.client.getTask(taskId)).containerId || undefined, {
      what: `${taskId}'s container id`,
    });
    const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Pid}}', containerId]);
    const echo = spawn('nsenter', ['-t', stdout.trim(), '-n', '--', process.execPath, '-e', ECHO, taskId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    echoes.push(echo);
    const [line] = (await once(echo.stdout, 'data')) as [Buffer];
    assert.equal(line.toString().trim(), 'listening', `the echo in ${taskId}'s container`);
  }

  /** Two replicas of a udp service on worker `host`, each with its echo; its endpoints once all are ready. */
  async function udpService(name: string, host: 'a' | 'b'): Promise<ServiceEndpointsView> {
    const task = { command: ['sleep', '600'], ports: [{ container: PORT, protocol: 'udp', publish: false }] };
    const extra = { replicas: 2, constraints: [`node.labels.host == ${host}`] };
    await c.client.createService(serviceSpec(c, name, extra, task));
    const view = await waitFor(
      async () => {
        const v = await c.client.serviceEndpoints(name);
        return v.endpoints.length === 2 && v.endpoints.every((e) => e.state === 'ready') ? v : undefined;
      },
      { timeoutMs: 90_000, what: `${name}'s replicas ready` },
    );
    for (const e of view.endpoints) {
      assert.equal(e.node, c.workerName(host));
      await startEcho(e.taskId);
    }
    return view;
  }

  /** A client of its own (one flow); its first answer, asked again until the proxy serves the port. */
  async function flow(vip: string): Promise<{ client: UdpClient; first: { text: string; from: string } }> {
    const client = await udpClient(vip, PORT, '0.0.0.0');
    clients.push(client);
    const first = await waitFor(() => client.ask('ping', 1_000).catch(() => undefined), {
      timeoutMs: 30_000,
      what: `an answer from ${vip}:${PORT}/udp`,
    });
    return { client, first };
  }

  const tunnels = async (url: string, outcome: string): Promise<number> => {
    const tls = { ca: c.access.caPem, cert: c.access.managerCert, key: c.access.managerKey };
    const text = (await tlsFetch(`${url}/metrics`, { tls })).text();
    const m = new RegExp(`^poseidon_tunnel_connections_total\\{outcome="${outcome}"\\} ([0-9]+)$`, 'm').exec(text);
    return Number(m?.[1] ?? 0);
  };

  test("replicas on the proxy's host: the echo comes back from VIP:port, a flow keeps its replica, flows spread", async () => {
    const view = await udpService('udplocal', 'a');
    const ids = new Set(view.endpoints.map((e) => e.taskId));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const { client, first } = await flow(view.vip);
      const replica = answeredBy(first.text);
      assert.ok(ids.has(replica), `${first.text} is from a replica of the service`);
      assert.equal(first.from, `${view.vip}:${PORT}`, 'the reply comes from the VIP and port');
      seen.add(replica);
      for (let j = 0; j < 3; j++) {
        const again = await waitFor(() => client.ask(`more ${j}`, 1_000).catch(() => undefined), { what: 'a reply' });
        assert.equal(again.text, `${replica}:more ${j}`, 'the same flow, the same replica');
      }
    }
    assert.equal(seen.size, 2, 'the flows went to both replicas');
    assert.equal(await tunnels(bUrl, 'opened'), 0, 'no tunnel: the replicas are on the proxy host');
  });

  test("replicas on another host: each flow through b's worker tunnel, the echo back from VIP:port", async () => {
    const view = await udpService('udpmesh', 'b');
    const ids = new Set(view.endpoints.map((e) => e.taskId));
    for (const e of view.endpoints) assert.deepEqual([e.hostId, e.via], ['host-b', bUrl]);
    const before = await tunnels(bUrl, 'opened');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const { client, first } = await flow(view.vip);
      assert.equal(first.from, `${view.vip}:${PORT}`);
      seen.add(answeredBy(first.text));
      const big = Buffer.alloc(20_000, 'x');
      const echoed = await waitFor(() => client.ask(big, 1_000).catch(() => undefined), { what: 'a large reply' });
      assert.equal(echoed.bytes.length, answeredBy(first.text).length + 1 + big.length, 'a 20 KB datagram, whole');
    }
    assert.ok([...seen].every((id) => ids.has(id)));
    assert.equal(seen.size, 2, 'the flows went to both replicas');
    assert.ok((await tunnels(bUrl, 'opened')) >= before + 4, "each flow through b's tunnel");
  });
});
