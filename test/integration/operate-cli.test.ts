import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { RunCleanup } from '../../testkit/cleanup.js';
import { adminClient, cliEnv } from '../../testkit/manager-access.js';
import { POSEIDON_BIN, runPoseidon, spawnManager } from '../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';

// Issue 17: `poseidon install-units` writes units as k3s and Nomad ship theirs, and a config file
// the command takes; `poseidon completion bash`, sourced by a real bash, completes commands and
// the task ids of a real manager.

const run = promisify(execFile);
const cleanup = new RunCleanup(newRunId(), new Docker(), { processes: 'kill' });
after(() => cleanup.release());

test('install-units writes the manager and worker units and their config files, and keeps a config that exists', async () => {
  const dir = await cleanup.tempDir('poseidon-units');
  const units = join(dir, 'systemd');
  const etc = join(dir, 'etc');
  for (const kind of ['manager', 'worker']) {
    const r = await runPoseidon(['install-units', kind, '--dir', units, '--config-dir', etc]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`wrote ${join(units, `poseidon-${kind}.service`)}\nwrote ${join(etc, `${kind}.yaml`)}\n`),
    );
  }
  const manager = await readFile(join(units, 'poseidon-manager.service'), 'utf8');
  const worker = await readFile(join(units, 'poseidon-worker.service'), 'utf8');
  const execStart = `ExecStart=${process.execPath} ${realpathSync(POSEIDON_BIN)}`;
  assert.ok(manager.includes(`\n${execStart} manager --config ${join(etc, 'manager.yaml')}\n`), manager);
  assert.ok(worker.includes(`\n${execStart} worker --config ${join(etc, 'worker.yaml')}\n`), worker);
  for (const unit of [manager, worker]) {
    for (const line of ['Restart=always', 'LimitNOFILE=1048576', 'KillSignal=SIGTERM', 'WantedBy=multi-user.target'])
      assert.ok(unit.split('\n').includes(line), `${line} in\n${unit}`);
  }
  // the worker comes after Docker and needs it; stopping it stops its own process only
  for (const line of [
    'After=network-online.target docker.service',
    'Wants=network-online.target docker.service',
    'KillMode=process',
    'RestartPreventExitStatus=78', // a worker removed from the cluster exits for good
  ])
    assert.ok(worker.split('\n').includes(line), `${line} in\n${worker}`);
  assert.ok(!manager.includes('docker.service') && !manager.includes('KillMode=process'), manager);
  assert.ok(!manager.includes('RestartPreventExitStatus'), manager);

  // the config file is its owner's alone (it may come to hold a join token), and the command takes it
  const workerConfig = join(etc, 'worker.yaml');
  assert.equal((await stat(workerConfig)).mode & 0o777, 0o600);
  const printed = await runPoseidon(['worker', '--config', workerConfig, '--print-config']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^data-dir: \/var\/lib\/poseidon\/worker # file$/m);
  const managerConfig = join(etc, 'manager.yaml');
  assert.equal((await runPoseidon(['manager', '--config', managerConfig, '--print-config'])).code, 0);

  // an operator's file is never overwritten; the unit is
  await writeFile(workerConfig, 'name: edited\n');
  const again = await runPoseidon(['install-units', 'worker', '--dir', units, '--config-dir', etc]);
  assert.match(again.stdout, new RegExp(`kept ${workerConfig} \\(it exists\\)`));
  assert.equal(await readFile(workerConfig, 'utf8'), 'name: edited\n');

  const wrong = await runPoseidon(['install-units', 'proxy', '--dir', units, '--config-dir', etc]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, 'poseidon: kind is "proxy"; use manager or worker\n');
});

test('bash completes commands, and the ids of the tasks a real manager holds', async () => {
  const dir = await cleanup.tempDir('poseidon-completion');
  const { access } = await spawnManager(join(dir, 'manager'), [], { onSpawn: (p) => cleanup.trackProcess(p) });
  // no worker: the task waits, Pending, and is a name to complete all the same
  const task = await adminClient(access).submit({ name: 'waits', image: TEST_IMAGE });
  const script = await runPoseidon(['completion', 'bash']);
  assert.equal(script.code, 0, script.stderr);
  await writeFile(join(dir, 'poseidon.bash'), script.stdout);
  // `poseidon` on the PATH, as an installed one is
  await mkdir(join(dir, 'bin'));
  await symlink(POSEIDON_BIN, join(dir, 'bin', 'poseidon'));
  const complete = async (...words: string[]): Promise<string[]> => {
    const { stdout } = await run(
      'bash',
      [
        '-c',
        `source ${join(dir, 'poseidon.bash')}; COMP_WORDS=(poseidon "$@"); COMP_CWORD=$#; ` +
          '_poseidon_complete; printf "%s\\n" "${COMPREPLY[@]}"',
        'bash',
        ...words,
      ],
      {
        env: {
          ...process.env,
          ...cliEnv(access),
          XDG_CONFIG_HOME: dir,
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
        },
      },
    );
    return stdout.split('\n').filter((l) => l !== '');
  };
  assert.deepEqual(await complete('sta'), ['status', 'stats', 'stack']);
  assert.deepEqual(await complete('stat'), ['status', 'stats']);
  assert.deepEqual(await complete('stop', ''), [task.id, 'waits']);
  assert.deepEqual(await complete('logs', 'wa'), ['waits']);
  assert.deepEqual(await complete('logs', task.id.slice(0, 4)), [task.id]);
  assert.deepEqual(await complete('stop', 'zzz'), []);

  // against no manager at all: nothing, not even an error, and exit 0
  const none = await runPoseidon(['__complete', 'tasks'], {
    POSEIDON_MANAGER: 'https://127.0.0.1:1',
    XDG_CONFIG_HOME: dir,
  });
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', '']);
});
