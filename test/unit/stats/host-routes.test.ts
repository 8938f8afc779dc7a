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

test('the route table gives each route block but the default one', () => {
  assert.deepEqual(parseRouteTable(TABLE), ['172.17.0.0/16', '10.0.0.0/8', '192.0.2.0/24', '192.0.2.5/32']);
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
  assert.deepEqual(await readHostRoutes(root), ['172.17.0.0/16', '10.0.0.0/8', '192.0.2.0/24', '192.0.2.5/32']);
});
