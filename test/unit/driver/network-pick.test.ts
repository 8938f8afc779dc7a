import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Docker from 'dockerode';
import { ensureNetwork, NetworkUnusable, type NetworkHost } from '../../../src/driver/index.js';

// A worker given no --subnet: its network keeps the subnet it has (a restart finds its own), and a
// new one takes the first block of the pool that no network of the engine and no host route
// uses. The engine is not under test: a stand-in keeps networks as the engine would, and
// refuses an overlapping create as it does.

interface FakeNetwork {
  Name: string;
  Labels?: Record<string, string>;
  IPAM: { Config: Array<{ Subnet?: string }> };
}

const POOL = ['10.237.64.0/24', '10.237.65.0/24', '10.237.66.0/24'];

function engine(networks: FakeNetwork[], opts: { takenMeanwhile?: FakeNetwork } = {}) {
  const created: string[] = [];
  let takenMeanwhile = opts.takenMeanwhile;
  const docker = {
    getNetwork: (name: string) => ({
      inspect: async () => {
        const n = networks.find((x) => x.Name === name);
        if (n === undefined) throw Object.assign(new Error('(HTTP code 404) no such network'), { statusCode: 404 });
        return n;
      },
    }),
    listNetworks: async () => networks,
    createNetwork: async (body: {
      Name: string;
      Labels: Record<string, string>;
      IPAM: { Config: [{ Subnet: string }] };
    }) => {
      const subnet = body.IPAM.Config[0].Subnet;
      // another worker's network took the block between this one's look and its create
      if (takenMeanwhile !== undefined) {
        networks.push(takenMeanwhile);
        takenMeanwhile = undefined;
      }
      const overlap = networks.some((n) => n.IPAM.Config.some((c) => c.Subnet === subnet));
      if (overlap)
        throw Object.assign(
          new Error('(HTTP code 403) unexpected - Pool overlaps with other one on this address space'),
          {
            statusCode: 403,
            json: { message: 'Pool overlaps with other one on this address space' },
          },
        );
      created.push(subnet);
      networks.push({ Name: body.Name, Labels: body.Labels, IPAM: { Config: [{ Subnet: subnet }] } });
      return {};
    },
  } as unknown as Docker;
  return { docker, created };
}

const other = (name: string, subnet: string): FakeNetwork => ({ Name: name, IPAM: { Config: [{ Subnet: subnet }] } });
const routes = (...blocks: string[]) => ({ routes: async () => blocks.map((block) => ({ block, dev: 'eth1' })) });

describe('a network given no subnet', () => {
  test('takes the first block of the pool that no Docker network and no host route uses, and says what it passed over', async () => {
    const e = engine([other('bridge', '172.17.0.0/16'), other('blocker', '10.237.64.0/24')]);
    const info = await ensureNetwork(e.docker, { name: 'pn-pick', subnetPool: POOL }, routes('10.237.65.0/25'));
    assert.deepEqual(e.created, ['10.237.66.0/24']);
    assert.equal(info.subnet, '10.237.66.0/24');
    assert.equal(info.gateway, '10.237.66.1');
    assert.equal(info.subnetFrom, 'picked');
    assert.deepEqual(info.passedOver, [
      '10.237.64.0/24 (Docker network blocker (10.237.64.0/24))',
      '10.237.65.0/24 (host route 10.237.65.0/25)',
    ]);
  });

  test('takes the first block when it is free: the default subnet as before', async () => {
    const e = engine([other('bridge', '172.17.0.0/16')]);
    const info = await ensureNetwork(e.docker, { name: 'pn-pick' });
    assert.deepEqual([info.subnet, info.subnetFrom, info.passedOver], ['10.213.0.0/16', 'picked', []]);
  });

  test('a network of that name keeps its own subnet, even when an earlier block of the pool is free now', async () => {
    const mine = { ...other('pn-pick', '10.237.65.0/24'), Labels: { 'poseidon.network': 'pn-pick' } };
    const e = engine([mine]);
    const info = await ensureNetwork(e.docker, { name: 'pn-pick', subnetPool: POOL });
    assert.deepEqual(e.created, []);
    assert.deepEqual([info.subnet, info.subnetFrom], ['10.237.65.0/24', 'found']);
  });

  test('a network of that name that is not Poseidon is refused, not used', async () => {
    const e = engine([other('pn-pick', '10.237.65.0/24')]);
    await assert.rejects(
      ensureNetwork(e.docker, { name: 'pn-pick', subnetPool: POOL }),
      /network pn-pick exists on this engine and is not Poseidon's .*give the worker another --network/,
    );
  });

  test('a block another network took between the look and the create: the next free one', async () => {
    const e = engine([], { takenMeanwhile: other('quick', '10.237.64.0/24') });
    const info = await ensureNetwork(e.docker, { name: 'pn-pick', subnetPool: POOL });
    assert.deepEqual(e.created, ['10.237.65.0/24']);
    assert.deepEqual(info.passedOver, ['10.237.64.0/24 (Docker network quick (10.237.64.0/24))']);
  });

  test('no free block: one line saying what to give instead', async () => {
    const e = engine([other('a', '10.237.64.0/23')]);
    const err = await ensureNetwork(e.docker, { name: 'pn-pick', subnetPool: POOL }, routes('10.237.66.0/24')).catch(
      (x: unknown) => x,
    );
    assert.ok(err instanceof NetworkUnusable, String(err));
    assert.equal(
      err.message,
      'no block of --subnet-pool 10.237.64.0/24,10.237.65.0/24,10.237.66.0/24 is free for network pn-pick: ' +
        'Docker networks and host routes use them all; start the worker with a free --subnet, or a --subnet-pool with room',
    );
  });
});

describe('a network given its subnet', () => {
  test('overlapping another network: names it and a free block to give instead', async () => {
    const e = engine([other('blocker', '10.237.64.0/24')]);
    const err = await ensureNetwork(e.docker, { name: 'pn-given', subnet: '10.237.64.0/24', subnetPool: POOL }).catch(
      (x: unknown) => x,
    );
    assert.ok(err instanceof NetworkUnusable, String(err));
    assert.equal(
      err.message,
      'network pn-given (10.237.64.0/24) could not be created: Pool overlaps with other one on this address space; ' +
        'start the worker with --subnet 10.237.65.0/24 (free now), or without --subnet to have a free one picked, ' +
        'or remove Docker network blocker (10.237.64.0/24) (docker network ls)',
    );
  });

  const lan = (block: string, dev = 'eth1') => ({ routes: async () => [{ block, dev }] });
  const GIVEN = { name: 'pn-given', subnet: '10.237.64.0/24', subnetPool: POOL };
  const mine = () => ({ ...other('pn-given', '10.237.64.0/24'), Labels: { 'poseidon.network': 'pn-given' } });
  /** The one line ensureNetwork refuses GIVEN with, on this engine and host. */
  async function refusal(docker: Docker, host: NetworkHost): Promise<string> {
    const err = await ensureNetwork(docker, GIVEN, host).catch((x: unknown) => x);
    assert.ok(err instanceof NetworkUnusable, String(err));
    assert.doesNotMatch(err.message, /\n/);
    return err.message;
  }

  test('a block the host routes elsewhere: refused before any create, naming the route and a free block', async () => {
    const e = engine([other('bridge', '172.17.0.0/16')]);
    assert.equal(
      await refusal(e.docker, lan('10.237.0.0/16')),
      '--subnet 10.237.64.0/24 overlaps the route 10.237.0.0/16 on eth1 of this host; start the worker with ' +
        'a --subnet it does not route (ip route)',
    );
    assert.equal(
      await refusal(e.docker, lan('10.237.64.128/25')),
      '--subnet 10.237.64.0/24 overlaps the route 10.237.64.128/25 on eth1 of this host; start the worker with ' +
        'a --subnet it does not route, such as 10.237.65.0/24, or without --subnet to have a free one picked',
    );
    assert.deepEqual(e.created, []);
  });

  test('a block of another Docker network: the engine refuses it, and that network is named as before', async () => {
    const e = engine([other('blocker', '10.237.64.0/24')]);
    const message = await refusal(e.docker, lan('10.237.64.0/24', 'br-0123456789ab'));
    assert.match(message, /^network pn-given \(10\.237\.64\.0\/24\) could not be created: Pool overlaps/);
    assert.match(message, /or remove Docker network blocker \(10\.237\.64\.0\/24\) \(docker network ls\)$/);
  });

  test("its own bridge's route (the network there from an earlier run) is Poseidon's own: taken", async () => {
    const e = engine([mine()]);
    const info = await ensureNetwork(e.docker, GIVEN, lan('10.237.64.0/24', 'pn-given'));
    assert.deepEqual([info.subnet, info.gateway], ['10.237.64.0/24', '10.237.64.1']);
    assert.deepEqual(e.created, []);
  });

  test('the network there already, and a route of another interface on it since: refused, saying to remove it', async () => {
    const e = engine([mine()]);
    const routes = [
      { block: '10.237.64.0/24', dev: 'pn-given' },
      { block: '10.237.0.0/16', dev: 'tun0' },
    ];
    assert.equal(
      await refusal(e.docker, { routes: async () => routes }),
      '--subnet 10.237.64.0/24 overlaps the route 10.237.0.0/16 on tun0 of this host; remove network pn-given ' +
        '(docker network rm pn-given), then start the worker with a --subnet it does not route (ip route)',
    );
  });
});
