import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { cidrHas, formatCidr, ipToNumber, parseCidr } from '../../src/discovery/index.js';
import { removeNetworksByLabel } from '../../src/driver/index.js';
import { LABEL_TEST_RUN } from '../../testkit/cleanup.js';
import { adminClient, readManagerAccess } from '../../testkit/manager-access.js';
import { ProcessNotListening, spawnPoseidon, spawnWorker, type PoseidonProcess } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// A worker's network when another Docker network already holds the subnet it would take, on a
// real engine with a real manager and worker. The worker is given no --subnet and a pool of two
// blocks of this run's own (--subnet-pool), the first held by a network that is not Poseidon's
// (as another tool's would be): nothing here touches the default network or its subnet, which
// other runs on this machine may use. Then: the network made again after a prune, and the worker
// restarted, keep the block it picked, though the first is free by then. Given that first block
// with --subnet, a worker says in one line which network holds it and what to give instead.

const docker = new Docker();

/** The subnet of a Docker network, as the engine reports it; undefined when there is none of that name. */
async function subnetOf(name: string): Promise<string | undefined> {
  try {
    const info = (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    return info.Name === name ? info.IPAM?.Config?.[0]?.Subnet : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of a worker's "poseidon network ready" log lines, in order. */
function networkReadyLines(p: PoseidonProcess): Array<{ subnet?: string; subnetFrom?: string; passedOver?: string[] }> {
  return p.output
    .filter((l) => l.includes('"poseidon network ready"'))
    .map((l) => JSON.parse(l) as { subnet?: string; subnetFrom?: string; passedOver?: string[] });
}

describe('a worker network whose first subnet another Docker network holds', () => {
  const c = new TestCluster();
  const hex = randomBytes(4).toString('hex');
  const blocker = `pb${hex}`;
  const network = `pg${hex}`;
  const octet = randomInt(64, 250);
  const first = `10.237.${octet}.0/24`;
  const second = `10.237.${octet + 1}.0/24`;
  const poolArgs = ['--network', network, '--subnet-pool', `${first},${second}`];

  before(async () => {
    // another tool's network: no Poseidon label; the run's label removes it in close()
    await docker.createNetwork({
      Name: blocker,
      Driver: 'bridge',
      Labels: { [LABEL_TEST_RUN]: c.runId },
      IPAM: { Driver: 'default', Config: [{ Subnet: first }] },
    });
    await c.startManager();
  });
  after(async () => {
    await c.close();
    // the networks the workers made carry Poseidon's label, with their name
    await removeNetworksByLabel(docker, `poseidon.network=${network}`);
    await removeNetworksByLabel(docker, `poseidon.network=${network}x`);
    await removeNetworksByLabel(docker, `poseidon.network=${network}d`);
  });

  test('given that subnet, the worker exits with one line naming the network and a free block to give', async () => {
    const name = c.workerName('given');
    const args = ['--network', `${network}x`, '--subnet', first, '--subnet-pool', `${first},${second}`];
    args.push('--port', '0', '--name', name, '--data-dir', join(c.dir, name));
    const err = await spawnWorker(c.access, args, { onSpawn: (p) => c.track(p) }).catch((x: unknown) => x);
    assert.ok(err instanceof ProcessNotListening, String(err));
    assert.match(err.message, /exited \(code 1\) before listening/);
    // the engine's own words in the middle: Engine 20.10 says the gateway address is in use
    const line = err.message.split('\n').find((l) => l.startsWith('poseidon: ')) ?? '';
    assert.ok(line.startsWith(`poseidon: network ${network}x (${first}) could not be created: `), line);
    assert.ok(
      line.endsWith(
        `; start the worker with --subnet ${second} (free now), or without --subnet to have a free one picked, ` +
          `or remove Docker network ${blocker} (${first}) (docker network ls)`,
      ),
      line,
    );
    assert.equal(await subnetOf(`${network}x`), undefined);
  });

  test('given none, the worker takes the next free block of its pool and says which it passed over', async () => {
    const w = await c.startWorker('w', poolArgs);
    assert.equal(await subnetOf(network), second);
    const [ready] = networkReadyLines(w);
    assert.equal(ready?.subnet, second);
    assert.equal(ready?.subnetFrom, 'picked');
    assert.deepEqual(ready?.passedOver, [`${first} (Docker network ${blocker} (${first}))`]);
  });

  test('poseidon dev (no --subnet, --vip-range): VIPs in its subnet upper half; stop line after node rm', async () => {
    const third = `10.237.${octet + 2}.0/24`;
    const dir = join(c.dir, 'dev');
    const args = ['dev', '--port', '0', '--worker-port', '0', '--dns-port', '0', '--data-dir', dir];
    args.push('--worker-name', c.workerName('dev'), '--network', `${network}d`, '--log-level', 'info');
    args.push('--subnet-pool', `${first},${second},${third}`);
    const env = { XDG_CONFIG_HOME: join(c.dir, 'dev-config') };
    const dev = await spawnPoseidon(args, { env, onSpawn: (p) => c.track(p) });
    assert.equal(await subnetOf(`${network}d`), third, 'the first two blocks are the blocker and the worker');
    const client = adminClient(await readManagerAccess(dev.url, join(dir, 'manager')));
    const service = await client.createService(serviceSpec(c, 'vip', { replicas: 0 }));
    const upper = parseCidr(`10.237.${octet + 2}.128/25`);
    assert.ok(cidrHas(upper, ipToNumber(service.vip ?? '') ?? 0), `${service.vip ?? 'no VIP'} in ${formatCidr(upper)}`);
    // its worker removed (node rm), a task left: the line it stops with says to make a new cluster,
    // not that the next start takes the task over (that start is refused). The task waits Pending
    // for a node no one has, so no container is started for it.
    await client.submit(c.task('left', { constraints: ['node.labels.zone == nowhere'] }));
    const name = c.workerName('dev');
    await waitFor(async () => (await client.listNodes()).some((n) => n.name === name), { what: `${name} listed` });
    await client.removeNode(name);
    await waitFor(async () => dev.output.some((l) => l.includes('its worker closed')), {
      what: 'the dev worker closed',
    });
    await dev.stop();
    assert.ok(
      dev.output.includes(
        'poseidon dev: stopped; 1 task left Pending (its worker was removed: poseidon dev --clean removes it, then ' +
          'poseidon dev makes a new cluster)',
      ),
      dev.output.slice(-5).join('\n'),
    );
  });

  test('made again after a prune, and after a restart, the network keeps that block, though the first is free', async () => {
    await docker.getNetwork(blocker).remove();
    // `docker network prune` as an operator would run it, on this network alone
    await docker.getNetwork(network).remove();
    await waitFor(async () => (await subnetOf(network)) === second, { what: `${network} made again on ${second}` });

    await c.workers.get('w')?.kill();
    const w = await c.startWorker('w', poolArgs);
    assert.equal(await subnetOf(network), second);
    const [ready] = networkReadyLines(w);
    assert.deepEqual([ready?.subnet, ready?.subnetFrom, ready?.passedOver], [second, 'found', []]);
  });
});
