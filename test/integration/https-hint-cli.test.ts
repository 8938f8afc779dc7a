import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';

// Every command given the manager as http://HOST:PORT (a flag, the environment, or a saved login)
// where the real manager serves https says to use https://, in one line, as login does; not
// "cannot reach ...: is `poseidon manager` running?" while it runs.

describe('the CLI given http:// for a manager that speaks https', () => {
  const c = new TestCluster();
  let plain = '';
  let line = '';
  before(async () => {
    await c.startManager();
    plain = c.access.url.replace('https:', 'http:');
    line =
      `poseidon: the manager at ${plain} speaks https, not http: use ${c.access.url} ` +
      "(with --ca FILE, the manager's <data-dir>/ca.crt)\n";
  });
  after(() => c.close());

  const commands = [['status'], ['node', 'ls'], ['service', 'ls'], ['logs', '-f', 'abc'], ['cp', 'abc:/a', '-']];

  test('with --manager, each command says to use https://', async () => {
    for (const args of commands) {
      const r = await runPoseidon([...args, '--manager', plain], { ...c.cliEnv(), POSEIDON_MANAGER: '' });
      assert.deepEqual([r.code, r.stderr], [1, line], args.join(' '));
    }
  });

  test('with POSEIDON_MANAGER, or a saved login, the same line', async () => {
    for (const args of commands.slice(0, 2)) {
      const r = await runPoseidon(args, { ...c.cliEnv(), POSEIDON_MANAGER: plain });
      assert.deepEqual([r.code, r.stderr], [1, line], args.join(' '));
    }
    const config = join(c.dir, 'saved-login');
    await mkdir(join(config, 'poseidon'), { recursive: true });
    await writeFile(join(config, 'poseidon', 'config.json'), JSON.stringify({ manager: plain }), { mode: 0o600 });
    const env = { XDG_CONFIG_HOME: config, POSEIDON_MANAGER: '', POSEIDON_TOKEN: '', POSEIDON_CA: '' };
    const r = await runPoseidon(['status'], env);
    assert.deepEqual([r.code, r.stderr], [1, line]);
    const login = await runPoseidon(['login', plain, '--token', c.access.adminToken], env);
    assert.deepEqual([login.code, login.stderr], [1, line]);
  });
});
