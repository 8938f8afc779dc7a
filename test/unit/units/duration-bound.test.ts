import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { MAX_DURATION_MS, parseDuration } from '../../../src/units/index.js';

test('parseDuration takes up to 24h, in either form', () => {
  assert.equal(MAX_DURATION_MS, 86_400_000);
  assert.equal(parseDuration('backoff', '24h'), MAX_DURATION_MS);
  assert.equal(parseDuration('backoff', '1440m'), MAX_DURATION_MS);
  assert.equal(parseDuration('backoff', MAX_DURATION_MS), MAX_DURATION_MS);
});

for (const value of ['700h', '24.5h', '1441m', '86400001ms', 86_400_001, 2 ** 31, -1]) {
  test(`parseDuration refuses ${JSON.stringify(value)}, naming the field and the 24h bound`, () => {
    assert.throws(
      () => parseDuration('restartPolicy.backoff.max', value),
      (err: unknown) =>
        err instanceof InvalidField &&
        err.field === 'restartPolicy.backoff.max' &&
        err.message.endsWith('durations run from 0 to 24h'),
    );
  });
}
