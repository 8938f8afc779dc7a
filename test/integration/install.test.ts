import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { RunCleanup } from '../../testkit/cleanup.js';
import { createTestNetwork } from '../../testkit/test-network.js';
import { containersWithLabel, isRunning, newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Issue 17: the package npm packs installs with one command on a machine that has Node 20 (the
// build output is in it: no TypeScript at install time), after which `poseidon` on the PATH runs.
// Done as a user would: `npm pack`, `npm install -g` into an empty prefix (from npm's cache when
// it has the dependencies), then the installed `poseidon --version`, and `poseidon dev --demo`
// stopped with Ctrl-C (its task is left running, and it says so), then `poseidon dev --clean`.

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const runId = newRunId();
const docker = new Docker();
const cleanup = new RunCleanup(runId, docker, { processes: 'kill' });
after(() => cleanup.release());

/** npm's own settings for a script run (`npm test`), such as its prefix, are not this install's. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_cafile', 'npm_config_registry']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') || keep.has(k)));
}

/** A process the test started, stopped by its pid with the run's cleanup. */
function tracked(child: ChildProcess): void {
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const signal = async (s: NodeJS.Signals): Promise<void> => {
    if (alive() && child.pid !== undefined) process.kill(child.pid, s);
    await exited;
  };
  cleanup.trackProcess({ isAlive: alive, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') });
}

test('npm pack, npm install -g into an empty prefix, then poseidon --version and poseidon dev --demo from it', async () => {
  const dir = await cleanup.tempDir('poseidon-install');
  // the build is there already (npm test builds first); prepack would build it again under the running tests
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, env: npmEnv() });
  const [tarball] = (await readdir(dir)).filter((f) => /^poseidon-.*\.tgz$/.test(f));
  assert.ok(tarball !== undefined, 'npm pack made a poseidon-*.tgz');
  const prefix = join(dir, 'prefix');
  const installed = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: dir, env: npmEnv(), timeout: 600_000 },
  );
  // on the Node 20 it supports, no dependency says it needs a newer one (the package's own
  // `overrides` are not applied where it is installed: light-my-request is pinned as a dependency)
  assert.doesNotMatch(installed.stderr, /EBADENGINE/, installed.stderr);
  // a shell would find it on the PATH: only the prefix's bin, and node's own directory
  const env = {
    ...npmEnv(),
    PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: join(dir, 'config'),
    POSEIDON_CONFIG_DIR: join(dir, 'etc'),
  };
  const version = await run('poseidon', ['--version'], { env, cwd: dir });
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout, `${pkg.version}\n`);

  // its own network, worker name (on the demo container) and ports, from a config file
  const net = await createTestNetwork(docker, runId);
  const workerName = `dev-${runId}`;
  cleanup.trackWorkerName(workerName);
  const config = join(dir, 'dev.yaml');
  await writeFile(
    config,
    [
      'port: 0',
      'worker-port: 0',
      'dns-port: 0',
      `data-dir: ${join(dir, 'dev')}`,
      `worker-name: ${workerName}`,
      `network: ${net.name}`,
      `subnet: ${net.subnet}`,
      `vip-range: ${net.vipRange}`,
      '',
    ].join('\n'),
  );
  const dev = spawn('poseidon', ['dev', '--config', config, '--demo'], {
    env,
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  tracked(dev);
  let out = '';
  dev.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  dev.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = once(dev, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await waitFor(() => /^demo: /m.test(out) || dev.exitCode !== null, { timeoutMs: 90_000, what: 'the demo task' });
  assert.match(
    out,
    /^demo: task hello-web \([0-9a-f]{8}\) is Running on dev-t-[0-9a-f]{8}; http:\/\/127\.0\.0\.1:\d+\/ answers: /m,
  );
  const [demo] = await containersWithLabel('poseidon.worker', workerName);
  assert.ok(demo !== undefined && (await isRunning(demo)), out);

  // a secret, and a task that reads it: the worker writes it on /dev/shm under its node id
  await writeFile(join(dir, 'pw'), 'dev-secret');
  await run('poseidon', ['secret', 'create', 'pw', join(dir, 'pw')], { env, cwd: dir });
  const reader = ['run', '--name', 'reads-pw', '--secret', 'pw', '--restart', 'never', '--wait'];
  await run('poseidon', [...reader, TEST_IMAGE, 'sh', '-c', 'cat /run/secrets/pw; echo'], { env, cwd: dir });
  const nodes = JSON.parse((await run('poseidon', ['node', '--json'], { env, cwd: dir })).stdout) as Array<{
    id: string;
  }>;
  const shm = join('/dev/shm', `poseidon-${nodes[0]?.id ?? ''}`);
  await waitFor(
    async () => (await run('poseidon', ['logs', 'reads-pw'], { env, cwd: dir })).stdout === 'dev-secret\n' || undefined,
    {
      what: 'the task to print its secret',
    },
  );
  assert.ok((await stat(shm)).isDirectory());

  // Ctrl-C: no question, one line, and the task left running
  process.kill(dev.pid ?? -1, 'SIGINT');
  const [code] = await exited;
  assert.equal(code, 0, out);
  assert.match(
    out,
    /^poseidon dev: stopped; 1 task left running \(the next poseidon dev takes it over; poseidon dev --clean removes it\)$/m,
  );
  assert.equal(await isRunning(demo), true);

  // --clean removes what it started: the container, its network, the state, the credentials it saved;
  // given only the data dir, it reads the worker's name and the network the dev ran with there
  const clean = await run('poseidon', ['dev', '--data-dir', join(dir, 'dev'), '--clean'], { env, cwd: dir });
  assert.equal(
    clean.stdout,
    `poseidon dev --clean: removed 2 containers of worker ${workerName}, 0 volumes, network ${net.name}, ` +
      `the state in ${join(dir, 'dev')} and the credentials saved for it\n`,
  );
  assert.deepEqual(await containersWithLabel('poseidon.worker', workerName), []);
  assert.deepEqual(await docker.listNetworks({ filters: { name: [net.name] } }).then((n) => n.map((x) => x.Name)), []);
  assert.deepEqual(await readdir(dir).then((names) => names.filter((n) => n === 'dev')), []);
  await assert.rejects(stat(shm), { code: 'ENOENT' }, "its tasks' secret files are gone too");
});
