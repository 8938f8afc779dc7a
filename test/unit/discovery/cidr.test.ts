import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, formatCidr, networkLayout, numberToIp, parseCidr } from '../../../src/discovery/index.js';

test('a subnet lays out as gateway first, containers in the lower half', () => {
  assert.deepEqual(networkLayout('10.213.0.0/16'), {
    subnet: '10.213.0.0/16',
    gateway: '10.213.0.1',
    ipRange: '10.213.0.0/17',
  });
  assert.deepEqual(networkLayout('10.214.7.0/24'), {
    subnet: '10.214.7.0/24',
    gateway: '10.214.7.1',
    ipRange: '10.214.7.0/25',
  });
});

test('a block with host bits set, or no block at all, is refused with what was meant', () => {
  assert.throws(() => parseCidr('10.0.0.1/24', '--subnet'), /host bits set; the block starts at 10\.0\.0\.0/);
  assert.throws(() => parseCidr('10.0.0.0', '--subnet'), /not an IPv4 block/);
  assert.throws(() => parseCidr('10.0.0.256/24'), /not an IPv4 block/);
  assert.throws(() => parseCidr('10.0.0.0/33'), /not an IPv4 block/);
  assert.throws(() => networkLayout('10.0.0.0/30'), /too small/);
});

test('the default VIP range lies in the default subnet upper half; addresses round-trip', () => {
  const upper = { ...parseCidr('10.213.128.0/17') };
  assert.ok(cidrContains(parseCidr('10.213.0.0/16'), upper));
  assert.ok(!cidrContains(parseCidr('10.213.0.0/17'), upper));
  assert.equal(numberToIp(parseCidr('255.255.255.0/24').base), '255.255.255.0');
  assert.equal(formatCidr(parseCidr('192.168.0.0/16')), '192.168.0.0/16');
});
