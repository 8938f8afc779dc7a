import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatJoinToken,
  MalformedJoinToken,
  newJoinSecret,
  parseJoinToken,
  secretsEqual,
} from '../../../src/pki/index.js';

const HASH = 'a'.repeat(64);

test('a join token is PSDN-1-<CA hash>-<secret> and reads back as written', () => {
  const secret = newJoinSecret();
  assert.match(secret, /^[0-9a-f]{32}$/);
  const text = formatJoinToken({ caHash: HASH, secret });
  assert.equal(text, `PSDN-1-${HASH}-${secret}`);
  assert.deepEqual(parseJoinToken(`  ${text}\n`), { caHash: HASH, secret });
});

test('two secrets are never the same', () => {
  assert.notEqual(newJoinSecret(), newJoinSecret());
});

test('what is not a join token is refused without repeating it', () => {
  const secret = 'b'.repeat(32);
  for (const bad of [
    '',
    `PSDN-2-${HASH}-${secret}`,
    `SWMTKN-1-${HASH}-${secret}`,
    `PSDN-1-${HASH.slice(1)}-${secret}`,
    `PSDN-1-${HASH}-${secret}x`,
    `PSDN-1-${HASH.toUpperCase()}-${secret}`,
  ]) {
    assert.throws(
      () => parseJoinToken(bad),
      (err: unknown) => err instanceof MalformedJoinToken && !err.message.includes(secret),
      bad,
    );
  }
});

test('secrets compare equal only when equal', () => {
  assert.equal(secretsEqual('abc', 'abc'), true);
  assert.equal(secretsEqual('abc', 'abd'), false);
  assert.equal(secretsEqual('abc', 'abcd'), false);
});
