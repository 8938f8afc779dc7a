import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SUBNET,
  DEFAULT_SUBNET_POOL,
  firstFreeSubnet,
  formatCidr,
  parseCidr,
  poolSubnets,
} from '../../../src/discovery/index.js';

test('a pool gives each block whole up to /16 and the /16s of a larger one, in order', () => {
  const blocks = poolSubnets(['10.237.64.0/24', '10.30.0.0/15', '192.168.0.0/16']).map(formatCidr);
  assert.deepEqual(blocks, ['10.237.64.0/24', '10.30.0.0/16', '10.31.0.0/16', '192.168.0.0/16']);
});

test('the default pool is the /16s from the default subnet to 10.223.0.0/16', () => {
  const blocks = poolSubnets(DEFAULT_SUBNET_POOL).map(formatCidr);
  assert.equal(blocks.length, 11);
  assert.equal(blocks[0], DEFAULT_SUBNET);
  assert.equal(blocks.at(-1), '10.223.0.0/16');
});

test('a pool block that is not one, or too small for a network, is refused naming the flag', () => {
  assert.throws(() => poolSubnets(['10.0.0.1/24']), /--subnet-pool "10\.0\.0\.1\/24" has host bits set/);
  assert.throws(() => poolSubnets(['10.0.0.0/30']), /--subnet-pool "10\.0\.0\.0\/30" is too small; at most \/29/);
});

test('the first free block: none of the taken overlaps it, whether it holds them or they hold it', () => {
  const candidates = poolSubnets(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16']);
  const taken = ['10.1.7.0/24', '10.2.0.0/15'].map((b) => parseCidr(b));
  assert.equal(formatCidr(firstFreeSubnet(candidates, taken) ?? parseCidr('0.0.0.0/32')), '10.4.0.0/16');
  assert.equal(firstFreeSubnet(candidates, [parseCidr('10.0.0.0/8')]), undefined);
});
