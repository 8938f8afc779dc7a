import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Compactor, NO_PORTS } from '../../../src/manager/compact.js';
import { NO_HEALTH } from '../../../src/manager/records.js';

test('an empty health report and an empty port list become the shared constants', () => {
  const c = new Compactor();
  assert.equal(c.health({ status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null }), NO_HEALTH);
  const unhealthy = {
    status: 'unhealthy' as const,
    failures: 3,
    lastOutput: 'timeout',
    lastCheckedAt: '2025-01-01T00:00:00.000Z',
  };
  assert.equal(c.health(unhealthy), unhealthy);
  assert.equal(c.ports([]), NO_PORTS);
});

test('the tables stop growing at their bound; values past it are kept as they are', () => {
  const c = new Compactor(2);
  c.value('labels', { a: '1' });
  c.value('labels', { b: '1' });
  const third = { c: '1' };
  assert.equal(c.value('labels', third), third);
  assert.equal(c.string('x'), 'x');
});
