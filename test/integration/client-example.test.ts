import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { RunCleanup } from '../../testkit/cleanup.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { spawnManager, spawnWorker } from '../../testkit/spawner.js';
import { newRunId } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// The README's client example, as written there, run as a user's script runs it: an .mjs file
// that imports `poseidon` (resolved through this package's package.json, as after `npm install
// poseidon`), against a real manager and a real worker. A module probe records what it loaded:
// the client needs Node's own modules and Poseidon's, no package at all.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE = fileURLToPath(new URL('./helpers/module-probe.js', import.meta.url));
const MARKER = '<!-- test/integration/client-example.test.ts runs this block';

/** The fenced block after the marker in README.md. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, 'README.md marks the client example');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block?.[1] !== undefined, 'a ```js block follows the marker');
  return block[1];
}

describe("the README's client library example", () => {
  const runId = newRunId();
  const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
  let access: ManagerAccess;
  let dir: string;
  const worker = `example-${runId}`;
  before(async () => {
    dir = await cleanup.tempDir('poseidon-client-example-');
    access = (await spawnManager(join(dir, 'manager'), [], { onSpawn: (p) => cleanup.trackProcess(p) })).access;
    // its containers are removed by this worker's name (poseidon.worker), which carries the run id
    cleanup.trackWorkerName(worker);
    await spawnWorker(access, ['--port', '0', '--name', worker, '--data-dir', join(dir, worker)], {
      onSpawn: (p) => cleanup.trackProcess(p),
    });
    const client = adminClient(access);
    await waitFor(async () => (await client.listNodes()).some((n) => n.name === worker && n.state === 'Up'), {
      what: `${worker} to join`,
    });
  });
  after(async () => {
    await cleanup.release();
  });

  test('runs against a real cluster, importing `poseidon` and loading no package', async () => {
    const script = join(dir, 'script');
    await mkdir(join(script, 'node_modules'), { recursive: true });
    // `poseidon` is this package, as npm would link it
    await symlink(ROOT, join(script, 'node_modules', 'poseidon'), 'dir');
    await writeFile(join(script, 'example.mjs'), await readmeExample());
    const modules = join(dir, 'modules.txt');
    await writeFile(modules, '');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--import', PROBE, join(script, 'example.mjs')],
          { cwd: script, env: { ...process.env, ...cliEnv(access), POSEIDON_MODULE_PROBE: modules }, timeout: 90_000 },
          (err, out, errOut) =>
            resolve({ code: err === null ? 0 : (err.code as number | null), stdout: out, stderr: errOut }),
        );
      },
    );
    assert.equal(code, 0, `the example failed: ${stderr}${stdout}`);
    const lines = stdout.split('\n');
    assert.ok(lines.includes(`task.scheduled ${worker}`), stdout);
    assert.ok(lines.includes(`task.exited ${worker}`), stdout);
    assert.ok(lines.includes('hello from a script'), stdout);
    assert.ok(lines.includes(`${worker} Up 1 tasks`) || lines.includes(`${worker} Up 0 tasks`), stdout);

    const loaded = (await readFile(modules, 'utf8')).split('\n').filter((l) => l !== '');
    assert.ok(
      loaded.some((u) => u.includes('/dist/src/client/')),
      'the probe saw the client load',
    );
    const packages = new Set(loaded.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
    // the link itself (node_modules/poseidon) is this package
    packages.delete('poseidon');
    assert.deepEqual([...packages], [], 'packages the client loaded');
    for (const own of ['manager/', 'worker/', 'store/', 'driver/', 'http/', 'cli/'])
      assert.ok(!loaded.some((u) => u.includes(`/dist/src/${own}`)), `loaded nothing of src/${own}`);
  });
});
