import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { rotateToken } from '../../../src/cli/rotate-action.js';
import { createToken, listTokens, revokeToken } from '../../../src/cli/token-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serveJson } from '../../helpers/fake-manager.js';

// What `token create|ls|revoke|rotate` print, against a stand-in manager: the secret alone on
// stdout (for `$(poseidon token create …)`), what became of it on stderr.

const VIEW = {
  id: 'tok-1',
  name: 'ci',
  scope: 'deploy',
  state: 'active',
  createdAt: '2026-12-01T14:03:27.123Z',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
};

async function manager(t: TestContext): Promise<string> {
  return serveJson(t, (key) => {
    return key === 'POST /tokens'
      ? { ...VIEW, token: 'psdn_secret' }
      : key === 'GET /tokens'
        ? [VIEW]
        : key === 'DELETE /tokens/tok-1'
          ? { ...VIEW, state: 'revoked', revokedAt: '2026-12-02T08:00:00.000Z', alreadyRevoked: true }
          : key === 'POST /join-token/rotate'
            ? { token: 'PSDN-1-new' }
            : undefined;
  });
}

test('token create prints the token alone on stdout, and what it is on stderr; --json the whole view', async (t) => {
  const url = await manager(t);
  assert.deepEqual(await captured((io) => createToken({ manager: url, scope: 'deploy' }, io)), {
    out: 'psdn_secret\n',
    err: 'token tok-1 (scope deploy, never expires) created; it is not shown again, keep it now\n',
    code: undefined,
  });
  const json = await captured((io) => createToken({ manager: url, scope: 'deploy', json: true }, io));
  assert.deepEqual(JSON.parse(json.out), { ...VIEW, token: 'psdn_secret' });
  assert.equal(json.err, '');
});

test('token ls prints the table; token revoke says it was revoked before, and when', async (t) => {
  const url = await manager(t);
  const ls = await captured((io) => listTokens({ manager: url }, io));
  assert.deepEqual(
    ls.out.split('\n').map((l) => l.split(/\s+/).filter(Boolean)),
    [
      ['ID', 'NAME', 'SCOPE', 'STATE', 'CREATED', 'EXPIRES', 'LAST', 'USED'],
      ['tok-1', 'ci', 'deploy', 'active', '2026-12-01', '14:03Z', 'never', 'never'],
      [],
    ],
  );
  const revoked = await captured((io) => revokeToken('tok-1', { manager: url }, io));
  assert.equal(revoked.out, 'token tok-1 was already revoked (at 2026-12-02 08:00Z); nothing changed\n');
});

test('token rotate join prints the new token alone on stdout, what became of the old one on stderr', async (t) => {
  const url = await manager(t);
  assert.deepEqual(await captured((io) => rotateToken('join', { manager: url }, io)), {
    out: 'PSDN-1-new\n',
    err: 'join token rotated: the old one joins no one from now on; joined nodes keep working\n',
    code: undefined,
  });
  const json = await captured((io) => rotateToken('join', { manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(json.out), { token: 'PSDN-1-new' });
});
