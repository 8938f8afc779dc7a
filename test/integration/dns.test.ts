import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ServiceEndpointsView } from '../../src/api/index.js';
import { reverseName } from '../../src/dns/index.js';
import { createTestNetwork, type TestNetwork } from '../../testkit/test-network.js';
import { TestCluster } from './helpers/cluster.js';
import { addresses, dig, dnsPortOf, listensForContainers, type DigAnswer } from './helpers/dig.js';
import { serviceSpec, webTask } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

const run = promisify(execFile);

// The DNS server of a host's discovery host (`poseidon worker --proxy`), asked with dig as an
// operator would, against a real manager and two real workers (TLS, join token) on a network of
// this run's own: A, SRV, PTR and NXDOMAIN, answers that follow the replicas as they are scaled,
// killed and fail their health check (never one that is not ready), and from inside a task
// container a name resolved and answered through its VIP (the same worker's proxy), and
// `tasks.web` (a stack's `tasks.api`) resolved to its replicas. The worker runs with
// --no-recursion: no query leaves this machine.
// Then the Poseidon network pruned while a worker runs: the worker makes it again, and the VIP and
// the DNS server on its gateway answer again.

describe('DNS with a real manager and two workers', () => {
  const c = new TestCluster();
  let net: TestNetwork;
  let port = 0;

  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager(net.managerArgs);
    const a = await c.startWorker('a', [...net.workerArgs, '--proxy', '--dns-port', '0', '--no-recursion']);
    await c.startWorker('b', net.workerArgs);
    port = await dnsPortOf(a);
  });
  after(() => closeAll(c, net));

  const endpoints = (name: string): Promise<ServiceEndpointsView> => c.client.serviceEndpoints(name);
  const readyAddresses = async (name: string): Promise<string[]> =>
    (await endpoints(name)).endpoints
      .filter((e) => e.state === 'ready' && e.address !== null)
      .map((e) => e.address ?? '')
      .sort();
  const web = (name: string, replicas: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    serviceSpec(
      c,
      name,
      { replicas, update: { monitor: '1s' }, ...extra },
      webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] }),
    );
  /** Until dig's tasks.<name> answer is exactly `n` addresses, and the manager's ready ones. */
  const untilTasks = (name: string, n: number): Promise<string[]> =>
    waitFor(
      async () => {
        const [seen, ready] = await Promise.all([
          dig(port, `tasks.${name}.svc.poseidon.cluster`),
          readyAddresses(name),
        ]);
        const got = addresses(seen);
        return got.length === n && JSON.stringify(got) === JSON.stringify(ready) ? got : undefined;
      },
      { timeoutMs: 60_000, what: `${n} addresses for tasks.${name}` },
    );

  test('A, SRV, PTR and NXDOMAIN, over UDP and TCP, with the TTL', async () => {
    await c.client.createService(web('web', 2));
    const tasks = await untilTasks('web', 2);
    const vip = (await endpoints('web')).vip;

    const a = await dig(port, 'web.svc.poseidon.cluster');
    assert.equal(a.status, 'NOERROR');
    assert.ok(a.flags.includes('aa'), `authoritative: ${a.flags.join(' ')}`);
    assert.deepEqual(addresses(a), [vip]);
    assert.equal(a.answer[0]?.ttl, 5);
    assert.deepEqual(addresses(await dig(port, 'web.svc.poseidon.cluster', 'A', ['+tcp'])), [vip]);

    const srv = await dig(port, '_http._tcp.web.svc.poseidon.cluster', 'SRV');
    assert.equal(srv.status, 'NOERROR');
    const targets = srv.answer.map((r) => r.data.split(' '));
    assert.deepEqual(
      targets.map(([, , p]) => p),
      ['8080', '8080'],
    );
    const resolved: string[] = [];
    for (const [, , , target] of targets) resolved.push(...addresses(await dig(port, target ?? '')));
    assert.deepEqual(resolved.sort(), tasks, 'each SRV target resolves to a ready replica');
    assert.deepEqual(
      srv.additional
        .filter((r) => r.type === 'A')
        .map((r) => r.data)
        .sort(),
      tasks,
      'and comes with its A record',
    );

    const ptr = await dig(port, reverseName(vip), 'PTR');
    assert.deepEqual(
      ptr.answer.map((r) => r.data),
      ['web.svc.poseidon.cluster.'],
    );

    const nx = await dig(port, 'nope.svc.poseidon.cluster');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.deepEqual(
      nx.authority.map((r) => r.type),
      ['SOA'],
    );
    assert.equal((await dig(port, 'example.org')).status, 'REFUSED', '--no-recursion');
  });

  test('answers follow scale up, a killed replica, a failing health check and scale down, never listing one not ready', async () => {
    await c.client.scaleService('web', 3);
    await untilTasks('web', 3);

    // killed: it leaves the answer, and its replacement joins it
    const victim = (await endpoints('web')).endpoints.find((e) => e.slot === 2 && e.state === 'ready');
    assert.ok(victim?.address);
    await run('docker', ['kill', (await c.client.getTask(victim.taskId)).containerId ?? '']);
    await waitFor(
      async () => !addresses(await dig(port, 'tasks.web.svc.poseidon.cluster')).includes(victim.address ?? ''),
      {
        timeoutMs: 30_000,
        what: 'the killed replica out of DNS',
      },
    );
    await untilTasks('web', 3);

    // a failing health check: once the manager has it unhealthy, DNS no longer lists it
    const sick = (await endpoints('web')).endpoints.find((e) => e.slot === 1 && e.state === 'ready');
    assert.ok(sick?.address);
    await run('docker', ['exec', (await c.client.getTask(sick.taskId)).containerId ?? '', 'rm', '/www/index.html']);
    await waitFor(
      async () => (await endpoints('web')).endpoints.some((e) => e.taskId === sick.taskId && e.state !== 'ready'),
      { timeoutMs: 30_000, what: 'the failing replica not ready at the manager' },
    );
    await waitFor(
      async () => !addresses(await dig(port, 'tasks.web.svc.poseidon.cluster')).includes(sick.address ?? ''),
      {
        timeoutMs: 10_000,
        what: 'the unhealthy replica out of DNS',
      },
    );
    await untilTasks('web', 3);

    // scale down: it leaves DNS before it stops (the drain): no answer asked after its container stopped lists it
    const before = await endpoints('web');
    const sampler = sample(port, 'tasks.web.svc.poseidon.cluster');
    await c.client.scaleService('web', 1);
    const [kept] = await untilTasks('web', 1);
    const gone = before.endpoints.filter((e) => e.address !== null && e.address !== kept);
    assert.equal(gone.length, 2);
    const stopped = (state: string): boolean => state === 'Completed' || state === 'Failed';
    await waitFor(
      async () => (await Promise.all(gone.map((e) => c.client.getTask(e.taskId)))).every((t) => stopped(t.state)),
      {
        timeoutMs: 30_000,
        what: 'the scaled-down replicas stopped',
      },
    );
    const samples = await sampler.stop();
    for (const e of gone) {
      // when its container exited, as the worker read it from the engine's event (the container is gone by now)
      const stoppedAt = Date.parse((await c.client.getTask(e.taskId)).finishedAt ?? '');
      assert.ok(Number.isFinite(stoppedAt) && stoppedAt > 0, `${e.taskId} stopped`);
      const late = samples.filter((s) => s.sentAt >= stoppedAt && addresses(s.answer).includes(e.address ?? ''));
      assert.deepEqual(late, [], `no answer asked after ${e.address} stopped lists it`);
    }
  });

  test('inside a task container, another service resolves by name through the gateway and answers on its VIP; in a stack, by its Compose name', async () => {
    await waitFor(() => listensForContainers(c.workers.get('a') ?? never()), {
      what: 'the DNS server on the gateway',
    });
    // the client is a replica of stack `shop` (as `poseidon deploy` labels a stack's services), beside its `shop-api`
    await c.client.createService(web('shop-api', 1));
    await c.client.createService(
      serviceSpec(c, 'client', {
        replicas: 1,
        constraints: [`node.name == ${c.workerName('a')}`],
        labels: { 'poseidon.stack': 'shop' },
      }),
    );
    const task = await runningContainer(c, 'client');
    // by default a task container is on Docker's default bridge: the gateway and the VIP are
    // addresses of the Poseidon network's host side, which it reaches through the host
    const mode = await run('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', task]);
    assert.equal(mode.stdout.trim(), 'bridge');
    const vip = (await endpoints('web')).vip;
    const looked = await waitFor(
      async () => {
        const { stdout } = await run('docker', ['exec', task, 'nslookup', 'web.svc.poseidon.cluster']);
        return stdout.includes(vip) ? stdout : undefined;
      },
      { timeoutMs: 15_000, what: 'nslookup web.svc.poseidon.cluster inside the container' },
    );
    assert.match(looked, new RegExp(`Address:?\\s+${vip.replaceAll('.', '\\.')}`));
    // and answers through its VIP: the proxy of the same worker forwards to a ready replica (busybox's
    // static wget crashes in this image, so nc speaks HTTP; the pause keeps the request half open
    // until the answer is in)
    const request = `(printf 'GET / HTTP/1.1\\r\\nHost: web\\r\\nConnection: close\\r\\n\\r\\n'; sleep 2)`;
    const page = await waitFor(
      async () => {
        const { stdout } = await run('docker', [
          'exec',
          task,
          'sh',
          '-c',
          `${request} | nc -w 3 web.svc.poseidon.cluster 8080`,
        ]);
        return /^HTTP\/1\.1 200/.test(stdout) ? stdout : undefined;
      },
      { timeoutMs: 30_000, what: 'web.svc.poseidon.cluster:8080 answering inside the container' },
    );
    assert.equal(page.trim().split('\n').at(-1)?.trim(), 'ok');
    // short names, through the container's search domains: `web` (the zone), and the stack's
    // `api` (`api.shop.svc.poseidon.cluster`, the service shop-api)
    for (const short of ['web', 'api']) {
      const answered = await waitFor(
        async () => {
          const { stdout } = await run('docker', ['exec', task, 'sh', '-c', `${request} | nc -w 3 ${short} 8080`]);
          return /^HTTP\/1\.1 200/.test(stdout) ? stdout : undefined;
        },
        { timeoutMs: 30_000, what: `${short}:8080 answering inside the container` },
      );
      assert.equal(answered.trim().split('\n').at(-1)?.trim(), 'ok');
    }
  });

  test('in a task container, tasks.web resolves to a replica, answered with each; in a stack, tasks.api', async () => {
    // the service `web` of the tests above at 2 replicas, and the replica of stack `shop` the test
    // before started on worker a. Its resolver (the DNS on the gateway, `options ndots:2`, the
    // stack's search domains) asks a name of one dot under the search domains first, as a program
    // looks a name up (ping prints the address it got). BusyBox's nslookup does not: it asks a name
    // with a dot as it is (it reads no ndots, and searches only for a name without a dot), so the
    // whole answer is read with the name the resolver asks
    await c.client.scaleService('web', 2);
    const replicas = await untilTasks('web', 2);
    const [api] = await untilTasks('shop-api', 1);
    assert.ok(api !== undefined);
    const client = await runningContainer(c, 'client');
    for (const [name, want, asked] of [
      ['tasks.web', replicas, 'tasks.web.svc.poseidon.cluster'],
      ['tasks.api', [api], 'tasks.api.shop.svc.poseidon.cluster'],
    ] as const) {
      await waitFor(
        async () => {
          const { stdout } = await run('docker', ['exec', client, 'sh', '-c', `ping -c 1 -W 1 ${name} 2>&1; true`]);
          const at = new RegExp(`^PING ${name.replace('.', '\\.')} \\(([0-9.]+)\\)`, 'm').exec(stdout)?.[1];
          if (at === undefined || !want.includes(at)) throw new Error(`ping printed: ${stdout}`);
          return at;
        },
        { timeoutMs: 15_000, what: `${name} resolved inside the container to one of ${want.join(', ')}` },
      );
      await waitFor(
        async () => {
          const { stdout } = await run('docker', ['exec', client, 'nslookup', asked]);
          if (JSON.stringify(lookedUp(stdout)) !== JSON.stringify(want)) throw new Error(`nslookup printed: ${stdout}`);
          return true;
        },
        { timeoutMs: 15_000, what: `nslookup ${asked} inside the container answering ${want.join(', ')}` },
      );
    }
  });
});

describe('the Poseidon network removed while the workers run', () => {
  // the last describe's cluster is gone by now: this one has its own
  const c = new TestCluster();
  let net: TestNetwork;
  before(async () => {
    net = await createTestNetwork(new Docker(), c.runId);
    await c.startManager(net.managerArgs);
    await c.startWorker('a', [...net.workerArgs, '--proxy', '--dns-port', '0', '--no-recursion']);
  });
  after(() => closeAll(c, net));

  test('docker network prune takes it (no container is on it): it is made again, and the VIP and the DNS on its gateway answer again', async () => {
    await c.client.createService(
      serviceSpec(c, 'web', { replicas: 1 }, webTask({ ports: [{ container: 8080, name: 'http', protocol: 'http' }] })),
    );
    await c.client.createService(serviceSpec(c, 'client', { replicas: 1 }));
    const task = await runningContainer(c, 'client');
    await waitFor(() => listensForContainers(c.workers.get('a') ?? never()), { what: 'the DNS server on the gateway' });
    const vip = (await c.client.serviceEndpoints('web')).vip;
    const answers = async (): Promise<boolean> => {
      const res = await fetch(`http://${vip}:8080/`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      return res !== undefined && res.status === 200 && (await res.text()).trim() === 'ok';
    };
    await waitFor(answers, { timeoutMs: 30_000, what: `web answering on its VIP ${vip} from the host` });

    const pruned = await run('docker', [
      'network',
      'prune',
      '--force',
      '--filter',
      `label=poseidon.network=${net.name}`,
    ]);
    assert.match(pruned.stdout, new RegExp(net.name), 'prune removed the network');

    await waitFor(answers, { timeoutMs: 15_000, what: `web answering on its VIP ${vip} again` });
    const { stdout } = await run('ip', ['-4', 'addr', 'show', 'dev', net.name]);
    assert.match(stdout, new RegExp(`inet ${vip.replaceAll('.', '\\.')}/32`), 'the VIP is on the bridge made again');
    // inside a task container (on Docker's default bridge): its resolver, the gateway, answers again
    const looked = await waitFor(
      async () => {
        const out = await run('docker', ['exec', task, 'nslookup', 'web.svc.poseidon.cluster']).catch(() => undefined);
        return out?.stdout.includes(vip) === true ? out.stdout : undefined;
      },
      { timeoutMs: 15_000, what: 'nslookup web.svc.poseidon.cluster inside the container, after the prune' },
    );
    assert.match(looked, new RegExp(`Address:?\\s+${vip.replaceAll('.', '\\.')}`));
  });
});

/** Stops the cluster, then its network by name: one a worker made again has no test-run label for the cleanup. */
async function closeAll(c: TestCluster, net: TestNetwork): Promise<void> {
  await c.close();
  await new Docker()
    .getNetwork(net.name)
    .remove()
    .catch(() => {});
}

/** The container of `service`'s replica once it runs (its first one). */
function runningContainer(c: TestCluster, service: string): Promise<string> {
  return waitFor(
    async () => {
      const [t] = (await c.client.serviceTasks(service)).filter((x) => x.state === 'Running');
      return t?.containerId ?? undefined;
    },
    { timeoutMs: 60_000, what: `the ${service} replica running` },
  );
}

/** The addresses busybox's nslookup printed as its answer (after the server's own lines), sorted. */
function lookedUp(nslookup: string): string[] {
  const [, ...answer] = nslookup.split('\n\n');
  return [...answer.join('\n').matchAll(/^Address:?\s+([0-9.]+)$/gm)].map((m) => m[1] ?? '').sort();
}

function never(): never {
  throw new Error('worker a is not running');
}

/** dig asked over and over until stopped: each answer with the time its question was sent. */
function sample(port: number, name: string): { stop(): Promise<Array<{ sentAt: number; answer: DigAnswer }>> } {
  const samples: Array<{ sentAt: number; answer: DigAnswer }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = Date.now();
      const answer = await dig(port, name).catch(() => undefined);
      if (answer !== undefined) samples.push({ sentAt, answer });
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
