import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCidr, routeClash, routeWords } from '../../../src/discovery/index.js';
import { parseRouteTable } from '../../../src/stats/index.js';

// Which host route a block Poseidon would take collides with, on route tables as /proc/net/route
// prints them: a host on a LAN (eth0, 192.0.2.0/24, the default route through it), with Docker's
// bridge, a VPN on 10.246.0.0/16 (tun0), and Poseidon's own bridge png (10.247.0.0/16) from an
// earlier run. Poseidon's own bridge and the default route never count.
const TABLE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'tun0\t0000F60A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'png\t0000F70A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  '',
].join('\n');
const ROUTES = parseRouteTable(TABLE);
const OWN = ['png'];

const clash = (block: string, own = OWN) => routeClash(parseCidr(block), ROUTES, own);

test('a block inside a routed one, holding one, or the same: that route', () => {
  assert.deepEqual(clash('10.246.128.0/17'), { block: '10.246.0.0/16', dev: 'tun0' });
  assert.deepEqual(clash('10.0.0.0/8'), { block: '10.246.0.0/16', dev: 'tun0' });
  assert.deepEqual(clash('172.17.0.0/16'), { block: '172.17.0.0/16', dev: 'docker0' });
  assert.deepEqual(clash('192.0.2.7/32'), { block: '192.0.2.0/24', dev: 'eth0' });
});

test('a block beside every route: none, though the default route covers everything', () => {
  assert.equal(clash('10.213.0.0/16'), undefined);
  assert.equal(clash('10.245.255.0/24'), undefined);
  assert.equal(clash('10.248.0.0/16'), undefined);
});

test("Poseidon's own bridge does not count: its subnet and VIPs are its own routes", () => {
  assert.equal(clash('10.247.0.0/16'), undefined);
  assert.equal(clash('10.247.128.0/17'), undefined);
  // the same block under another network name is another's bridge
  assert.deepEqual(clash('10.247.128.0/17', ['poseidon0']), { block: '10.247.0.0/16', dev: 'png' });
});

test('IPv6 and unreadable blocks are nothing to avoid', () => {
  const routes = [
    { block: 'fd00::/64', dev: 'eth0' },
    { block: 'nonsense', dev: 'eth0' },
    { block: '0.0.0.0/0', dev: 'eth0' },
  ];
  assert.equal(routeClash(parseCidr('10.0.0.0/8'), routes, []), undefined);
});

test('the words a refusal names the route with', () => {
  assert.equal(routeWords({ block: '10.246.0.0/16', dev: 'tun0' }), 'the route 10.246.0.0/16 on tun0');
});
