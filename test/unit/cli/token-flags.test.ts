import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namingFlag, revokedLine } from '../../../src/cli/token-action.js';
import { RemoteError } from '../../../src/errors/index.js';

// `poseidon token create --ttl 0s`: the manager refuses the body's `ttl`; the user typed `--ttl`.

test('a refused token field is named by the flag that set it', () => {
  const said = new RemoteError('invalid_request', 400, 'ttl is "0s"; give a duration from 1m to 3650d');
  const named = namingFlag(said);
  assert.ok(named instanceof RemoteError);
  assert.equal(named.message, '--ttl is "0s"; give a duration from 1m to 3650d');
  assert.equal(named.code, 'invalid_request');
});

test('other errors, and fields no flag sets, are left as they are', () => {
  const other = new RemoteError('forbidden', 403, 'ttl is fine but you may not');
  assert.equal(namingFlag(other), other);
  const unknown = new RemoteError('invalid_request', 400, 'constructor is odd');
  assert.equal(namingFlag(unknown), unknown);
});

test('token revoke: a token revoked before is said so, with when, not "revoked" again', () => {
  const at = '2026-12-01T14:03:27.123Z';
  assert.equal(
    revokedLine({ id: '3f9a2c1b7e4d', revokedAt: at, alreadyRevoked: false }),
    'token 3f9a2c1b7e4d revoked\n',
  );
  assert.equal(
    revokedLine({ id: '3f9a2c1b7e4d', revokedAt: at, alreadyRevoked: true }),
    'token 3f9a2c1b7e4d was already revoked (at 2026-12-01 14:03Z); nothing changed\n',
  );
  // a manager older than alreadyRevoked does not say
  assert.equal(revokedLine({ id: '3f9a2c1b7e4d', revokedAt: at }), 'token 3f9a2c1b7e4d revoked\n');
});
