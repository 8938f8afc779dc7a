import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SUBNET_POOL } from '../../../src/cli/defaults.js';
import { networkFlags, upperHalf, vipRangeFlag } from '../../../src/cli/network-flags.js';

const flags = { network: 'poseidon0', subnetPool: DEFAULT_SUBNET_POOL, taskNetwork: 'bridge' };

test('no --subnet leaves the subnet to the network (its own, or a free block of the pool)', () => {
  const opts = networkFlags(flags);
  assert.equal(opts.subnet, undefined);
  assert.deepEqual(opts.subnetPool, ['10.213.0.0/16', '10.214.0.0/15', '10.216.0.0/13']);
  assert.equal(networkFlags({ ...flags, subnet: '10.50.0.0/16' }).subnet, '10.50.0.0/16');
});

test('a bad --subnet or --subnet-pool is one line naming its flag once', () => {
  assert.throws(() => networkFlags({ ...flags, subnet: '10.0.0.0/33' }), {
    message: '--subnet "10.0.0.0/33" is not an IPv4 block like 10.213.0.0/16',
  });
  assert.throws(() => networkFlags({ ...flags, subnet: '10.0.0.0/30' }), {
    message: '--subnet "10.0.0.0/30" is too small; at most /29',
  });
  assert.throws(() => networkFlags({ ...flags, subnetPool: '10.237.0.0/16, 10.0.0.1/24' }), {
    message: '--subnet-pool "10.0.0.1/24" has host bits set; the block starts at 10.0.0.0',
  });
  assert.throws(() => networkFlags({ ...flags, subnetPool: ' , ' }), {
    message: '--subnet-pool is empty; give blocks such as 10.213.0.0/16',
  });
  assert.throws(() => vipRangeFlag('10.1.0.0/33'), {
    message: '--vip-range "10.1.0.0/33" is not an IPv4 block like 10.213.0.0/16',
  });
});

test("a subnet's upper half is where poseidon dev puts its virtual IPs by default", () => {
  assert.equal(upperHalf('10.213.0.0/16'), '10.213.128.0/17');
  assert.equal(upperHalf('10.237.65.0/24'), '10.237.65.128/25');
  assert.equal(vipRangeFlag('10.237.65.192/26', '10.237.65.0/24'), '10.237.65.192/26');
  assert.throws(() => vipRangeFlag('10.213.128.0/17', '10.237.65.0/24'), /must lie in the upper half of the subnet/);
});
