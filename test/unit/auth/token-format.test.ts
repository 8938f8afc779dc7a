import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { formatToken, hashSecret, newTokenParts, parseToken, secretMatches } from '../../../src/auth/index.js';

test('a token is psdn_<12 hex id>_<43 base64url secret>, and parses back to its parts', () => {
  const parts = newTokenParts();
  const token = formatToken(parts);
  assert.match(token, /^psdn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(parseToken(token), parts);
});

test('new tokens differ: the secret is 32 random bytes', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1_000; i++) seen.add(newTokenParts().secret);
  assert.equal(seen.size, 1_000);
  assert.equal(Buffer.from(newTokenParts().secret, 'base64url').length, 32);
});

test('anything but a well-formed token does not parse', () => {
  const good = formatToken(newTokenParts());
  for (const bad of [
    '',
    'psdn_',
    good.slice(0, -1),
    `${good}x`,
    good.replace('psdn_', 'PSDN_'),
    good.replace(/^psdn_[0-9a-f]/, 'psdn_g'),
    ` ${good}`,
    `${good}\n`,
  ]) {
    assert.equal(parseToken(bad), null, JSON.stringify(bad));
  }
});

test('the stored hash is the SHA-256 of the secret; only the right secret matches it', () => {
  const { secret } = newTokenParts();
  const hash = hashSecret(secret);
  assert.deepEqual(hash, createHash('sha256').update(secret).digest());
  assert.equal(secretMatches(secret, hash), true);
  const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
  assert.equal(secretMatches(wrong, hash), false);
  assert.equal(secretMatches('', hash), false);
  // a hash of another length (a damaged record) is a mismatch, not a throw from timingSafeEqual
  assert.equal(secretMatches(secret, hash.subarray(0, 16)), false);
});
