import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRouteTable, readHostRoutes } from '../../../src/stats/index.js';

// /proc/net/route as a host with Docker and a VPN prints it: addresses in the host's byte order
// (little-endian), the default route first.
const TABLE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'tun0\t0000000A\t0100080A\t0003\t0\t0\t0\t000000FF\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'eth0\t050200C0\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
  '',
].join('\n');

const ROUTES = [
  { block: '172.17.0.0/16', dev: 'docker0' },
  { block: '10.0.0.0/8', dev: 'tun0' },
  { block: '192.0.2.0/24', dev: 'eth0' },
  { block: '192.0.2.5/32', dev: 'eth0' },
];

test('the route table gives each route block and its interface but the default one', () => {
  assert.deepEqual(parseRouteTable(TABLE), ROUTES);
});

test('a block routed twice out of one interface (two metrics) is one route; out of two, two', () => {
  const twice = [
    TABLE.trimEnd(),
    'eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
    'wlan0\t000200C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0',
  ].join('\n');
  assert.deepEqual(parseRouteTable(twice), [...ROUTES, { block: '192.0.2.0/24', dev: 'wlan0' }]);
});

test('a row that is not a route is an error naming its line', () => {
  assert.throws(() => parseRouteTable('Iface\tDestination\neth0 nothing'), /line 2 is not a route/);
});

test('read from a proc root: its table, or none where there is no such file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'poseidon-routes-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.deepEqual(await readHostRoutes(root), []);
  await mkdir(join(root, 'net'));
  await writeFile(join(root, 'net', 'route'), TABLE);
  assert.deepEqual(await readHostRoutes(root), ROUTES);
});
