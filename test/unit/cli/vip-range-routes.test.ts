import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { vipRangeRouted } from '../../../src/cli/vip-range-routes.js';
import { parseRouteTable, readBridges } from '../../../src/stats/index.js';

// The manager's --vip-range against its host's routes (/proc/net/route as text): a LAN's or a VPN's
// route is warned of; a bridge's (Docker's networks, Poseidon's own) is not, nor the default route.
const TABLE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t0100D50A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t0000D50A\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0',
  'poseidon0\t0000D60A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  '',
].join('\n');
const ROUTES = parseRouteTable(TABLE);
const BRIDGES = ['docker0', 'poseidon0'];

test('a --vip-range in a route of a LAN interface: one line naming the range, the route and what to do', () => {
  assert.equal(
    vipRangeRouted('10.213.0.0/17', ROUTES, BRIDGES),
    '--vip-range 10.213.0.0/17 overlaps the route 10.213.0.0/20 on eth0 of this host: a proxy on a host that ' +
      "routes it does not add those VIPs; start the manager with a --vip-range no host of the cluster routes, inside the workers' --subnet",
  );
});

test("in a bridge's route (its own workers' subnet), or beside every route: nothing to say", () => {
  assert.equal(vipRangeRouted('10.214.128.0/17', ROUTES, BRIDGES), undefined);
  assert.equal(vipRangeRouted('10.213.128.0/17', ROUTES, BRIDGES), undefined);
  // the bridges unknown: poseidon0's route counts
  assert.match(vipRangeRouted('10.214.128.0/17', ROUTES, []) ?? '', /the route 10\.214\.0\.0\/16 on poseidon0/);
});

test('the bridges are the interfaces of /sys/class/net with a bridge dir; none where there is no such dir', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'poseidon-sys-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.deepEqual(await readBridges(root), []);
  for (const dir of ['eth0', 'poseidon0/bridge', 'docker0/bridge', 'tun0'])
    await mkdir(join(root, 'class', 'net', dir), { recursive: true });
  assert.deepEqual(await readBridges(root), ['docker0', 'poseidon0']);
});
