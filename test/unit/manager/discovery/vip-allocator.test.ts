import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VipAllocator } from '../../../../src/manager/discovery/index.js';

test('VIPs come from the range, never its first or last address, and skip those taken', () => {
  const taken = new Set<string>(['10.0.0.2']);
  const vips = new VipAllocator('10.0.0.0/29', () => taken);
  const given: string[] = [];
  for (let i = 0; i < 5; i++) {
    const vip = vips.allocate();
    given.push(vip);
    taken.add(vip);
  }
  assert.deepEqual(given, ['10.0.0.1', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  assert.throws(() => vips.allocate(), { code: 'vip_range_full', message: /10\.0\.0\.0\/29 is taken \(6 services\)/ });
});

test('a freed VIP is handed out again only after the others (a resolver may still cache it)', () => {
  const taken = new Set<string>();
  const vips = new VipAllocator('10.0.0.0/29', () => taken);
  const a = vips.allocate();
  taken.add(a);
  taken.add(vips.allocate());
  taken.delete(a); // its service was removed
  const next = vips.allocate();
  assert.notEqual(next, a);
  assert.equal(next, '10.0.0.3');
  assert.ok(vips.contains('10.0.0.6'));
  assert.ok(!vips.contains('10.0.0.8'));
});

test('a range too small or not a block is refused at start', () => {
  assert.throws(() => new VipAllocator('10.0.0.0/31', () => []), /too small/);
  assert.throws(() => new VipAllocator('10.0.0.1/24', () => []), /host bits/);
});
