import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTtl } from '../../../src/auth/index.js';
import { PoseidonError } from '../../../src/errors/index.js';

test('a ttl is whole seconds, minutes, hours or days, from 1s to 3650d', () => {
  const cases: Array<[string, number]> = [
    ['1s', 1_000],
    ['90m', 5_400_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['3650d', 315_360_000_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseTtl('--ttl', text), ms, text);
});

test('anything else is refused, naming the field', () => {
  for (const bad of ['', '0s', '3651d', '1.5h', '10', '5ms', '1w', '-1d', 'd']) {
    assert.throws(
      () => parseTtl('ttl', bad),
      (e: unknown) => e instanceof PoseidonError && e.code === 'invalid_request' && e.message.startsWith('ttl is'),
      bad,
    );
  }
});
