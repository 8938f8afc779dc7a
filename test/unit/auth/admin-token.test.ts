import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { adminTokenPath, createFirstAdminToken, TokenBook, type TokenRecord } from '../../../src/auth/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { ControlledStore } from '../manager/controlled-store.js';

const log = pino({ level: 'silent' });

test('the first start writes an admin token to <data-dir>/admin-token (0600); later starts leave it alone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-admin-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new ControlledStore<TokenRecord>();
  const tokens = new TokenBook({ store, clock: new FakeClock(), log });
  assert.equal(await createFirstAdminToken(tokens, dir, log), true);
  const path = adminTokenPath(dir);
  assert.equal(path, join(dir, 'admin-token'));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const token = (await readFile(path, 'utf8')).trim();
  const identity = tokens.identify(`Bearer ${token}`);
  assert.equal(identity.kind === 'token' && identity.scope, 'admin');
  assert.equal(tokens.list()[0]?.expiresAt, null, 'the admin token never expires');

  await rm(path);
  const restarted = new TokenBook({ store, clock: new FakeClock(), log });
  await restarted.load();
  assert.equal(await createFirstAdminToken(restarted, dir, log), false);
  await assert.rejects(stat(path), /ENOENT/);
});

test('the file is written before the token is stored: a failed store write leaves no token, and the next start writes a new one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-admin-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new ControlledStore<TokenRecord>();
  const tokens = new TokenBook({ store, clock: new FakeClock(), log });
  store.failNext(new Error('disk full'));
  await assert.rejects(createFirstAdminToken(tokens, dir, log), /disk full/);
  const orphan = (await readFile(adminTokenPath(dir), 'utf8')).trim();
  assert.equal(tokens.identify(`Bearer ${orphan}`).kind, 'anonymous');
  assert.equal(await createFirstAdminToken(tokens, dir, log), true);
  const token = (await readFile(adminTokenPath(dir), 'utf8')).trim();
  assert.notEqual(token, orphan);
  assert.equal(tokens.identify(`Bearer ${token}`).kind, 'token');
});
