import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { login } from '../../../src/cli/login-action.js';
import { updateNode } from '../../../src/cli/node-update.js';
import { printTop } from '../../../src/cli/top-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serveJson } from '../../helpers/fake-manager.js';

// What `login`, `node update|drain` and `top` print, against a stand-in manager.

async function manager(t: TestContext): Promise<string> {
  return serveJson(t, (key) => {
    return key === 'GET /whoami'
      ? { id: 'tok-1', name: 'ci', scope: 'admin' }
      : key === 'POST /nodes/edge-1/drain'
        ? { name: 'edge-1', taskCount: 2, labels: {}, operatorLabels: {} }
        : key.startsWith('GET /tasks/web-1/top')
          ? { titles: ['PID', 'CMD'], processes: [['1', 'httpd -f']] }
          : undefined;
  });
}

test('login says which token it logged in with, its scope, and where it saved the credentials', async (t) => {
  const url = await manager(t);
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-login-output-'));
  const before = process.env.XDG_CONFIG_HOME;
  t.after(async () => {
    if (before === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = before;
    await rm(dir, { recursive: true, force: true });
  });
  process.env.XDG_CONFIG_HOME = dir;
  const { out, err } = await captured((io) => login(url, { token: 'psdn_x' }, io));
  assert.equal(
    out,
    `logged in to ${url} with token tok-1 (ci), scope admin; saved to ${join(dir, 'poseidon', 'config.json')}\n`,
  );
  assert.equal(err, '');
});

test('node drain says what becomes of its tasks; top prints the processes as a table', async (t) => {
  const url = await manager(t);
  const drained = await captured((io) => updateNode('edge-1', { manager: url, availability: 'drain' }, io));
  assert.equal(
    drained.out,
    'node edge-1 drained: nothing new goes there; its 2 tasks move to other nodes (waiting Pending while none has room)\n',
  );
  const top = await captured((io) => printTop('web-1', [], { manager: url }, io));
  assert.deepEqual(
    top.out.split('\n').map((l) => l.trimEnd()),
    ['PID  CMD', '1    httpd -f', ''],
  );
});
