import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolvConf } from '../../../src/dns/resolv-conf.js';

// Where names outside the zone go: the host's nameservers as the C library reads them.

test('nameserver lines give at most three resolvers on port 53; comments and other lines are skipped', () => {
  const conf = parseResolvConf(
    [
      '# a comment',
      'search example.org',
      'nameserver 10.0.0.2',
      'nameserver fe80::1%eth0',
      'nameserver not-an-address',
      'nameserver 10.0.0.3 ; trailing',
      'nameserver 10.0.0.4',
    ].join('\n'),
  );
  assert.deepEqual(conf.servers, [
    { host: '10.0.0.2', port: 53 },
    { host: 'fe80::1', port: 53 },
    { host: '10.0.0.3', port: 53 },
  ]);
  assert.equal(conf.timeoutMs, 2_000);
});

test('options timeout:N sets the wait per server, never above 2 s', () => {
  assert.equal(parseResolvConf('options rotate timeout:1').timeoutMs, 1_000);
  assert.equal(parseResolvConf('options timeout:30').timeoutMs, 2_000);
});

test('no nameserver line: no resolver', () => {
  assert.deepEqual(parseResolvConf('').servers, []);
});
