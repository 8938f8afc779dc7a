import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { NO_REVOKED_VERSION, revokedVersion } from '../../../src/pki/revoked-version.js';
import { RevokedNodes } from '../../../src/worker/revoked-nodes.js';

// The version a worker says it holds is the manager's for the same set, whatever the order the
// ids came in: the manager compares the two and sends nothing when they are equal.

test('the version held is that of the list last replaced, in any order; none held at start', () => {
  const revoked = new RevokedNodes(pino({ level: 'silent' }));
  assert.equal(revoked.version, NO_REVOKED_VERSION);
  revoked.replace(['b', 'a']);
  assert.equal(revoked.version, revokedVersion(['a', 'b']));
  assert.notEqual(revoked.version, revokedVersion(['a']));
  revoked.replace(['a']); // the manager dropped b (its certificates expired): so does the worker
  assert.equal(revoked.has('b'), false);
  assert.equal(revoked.version, revokedVersion(['a']));
});
