import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { credentialsPath, loadCredentials, saveCredentials } from '../../../src/cli/credentials.js';
import { PoseidonError } from '../../../src/errors/index.js';

test('the file lives under $XDG_CONFIG_HOME, else ~/.config; a relative XDG_CONFIG_HOME is ignored', () => {
  assert.equal(credentialsPath({ XDG_CONFIG_HOME: '/etc/xdg-me' }), '/etc/xdg-me/poseidon/config.json');
  assert.equal(credentialsPath({}), join(homedir(), '.config', 'poseidon', 'config.json'));
  assert.equal(credentialsPath({ XDG_CONFIG_HOME: 'relative' }), join(homedir(), '.config', 'poseidon', 'config.json'));
});

test('saved credentials read back, in a 0600 file in a 0700 directory, replacing what was there', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-credentials-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'poseidon', 'config.json');
  assert.equal(loadCredentials(path), undefined);
  saveCredentials({ manager: 'http://127.0.0.1:1', token: 'old' }, path);
  const saved = { manager: 'https://10.0.0.5:5555', token: 'psdn_x', ca: '/etc/poseidon/ca.crt' };
  assert.equal(saveCredentials(saved, path), path);
  assert.deepEqual(loadCredentials(path), saved);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'poseidon'))).mode & 0o777, 0o700);
});

test('a file that cannot be read says why in words, and what to do', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-credentials-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // a directory where the file should be: what root meets too (a mode that refuses it does not stop root)
  assert.throws(() => loadCredentials(dir), {
    message: `${dir} cannot be read (it is a directory); fix it or run poseidon login again`,
  });
});

test('a file that is not credentials is an error naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-credentials-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'config.json');
  for (const text of ['{', '[]', '{"token":"x"}', '{"manager":"http://x","token":3}']) {
    await writeFile(path, text);
    assert.throws(
      () => loadCredentials(path),
      (e: unknown) => e instanceof PoseidonError && e.message.startsWith(`${path} is not a credentials file`),
      text,
    );
  }
});
