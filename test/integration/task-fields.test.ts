import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminClient, cliEnv } from '../../testkit/manager-access.js';
import { runPoseidon, spawnManager, type SpawnedManager } from '../../testkit/spawner.js';
import { TEST_IMAGE } from './helpers/docker.js';

// `GET /tasks?fields=` answers each task with the named fields alone, and `poseidon status` asks
// for its table's: a real manager with no workers, so its tasks stay Pending and no container runs.

describe('a task list with the named fields alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-task-fields-'));
  let manager: SpawnedManager | undefined;
  before(async () => {
    manager = await spawnManager(join(dir, 'manager'));
    const client = adminClient(manager.access);
    for (const name of ['first', 'second']) await client.submit({ name, image: TEST_IMAGE });
  });
  after(async () => {
    await manager?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each task carries the named fields and no other; a name a task lacks is a 400 naming it', async () => {
    const client = adminClient((manager as SpawnedManager).access);
    const whole = await client.listTasks();
    const picked = await client.listTasks({}, ['id', 'name', 'state', 'service']);
    assert.deepEqual(
      picked,
      whole.map((t) => ({ id: t.id, name: t.name, state: t.state })),
      'a plain task has no service field: it is left out',
    );
    await assert.rejects(client.listTasks({}, ['id', 'nope' as 'id']), {
      code: 'invalid_request',
      message: 'fields names nope, which a task does not have',
    });
  });

  test('poseidon status prints the table of every task', async () => {
    const access = (manager as SpawnedManager).access;
    const out = await runPoseidon(['status'], { ...cliEnv(access), XDG_CONFIG_HOME: join(dir, 'cli') });
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +NAME +IMAGE +STATE +NODE +PORTS +RESTARTS +AGE +REASON$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/ +/).slice(1, 4)),
      [
        ['first', TEST_IMAGE, 'Pending'],
        ['second', TEST_IMAGE, 'Pending'],
      ],
    );
  });

  test('one task carries the spec it runs, which poseidon status TASK shows; a submission and a list do not', async () => {
    const access = (manager as SpawnedManager).access;
    const client = adminClient(access);
    const fields = {
      name: 'shaped',
      image: TEST_IMAGE,
      command: ['sleep', '600'],
      user: '1000:1000',
      workdir: '/tmp',
      stopSignal: 'SIGINT',
      readOnlyRootfs: true,
      env: { API_KEY: 'k-123' },
    };
    const submitted = await client.submit({ ...fields, tmpfs: [{ path: '/tmp', size: '8Mi' }] });
    assert.equal(submitted.spec, undefined, 'the 201 is the task view alone');
    assert.ok(
      (await client.listTasks()).every((t) => t.spec === undefined),
      'a list carries no spec',
    );
    const one = await client.getTask(submitted.id);
    assert.deepEqual(
      { ...one.spec, restartPolicy: undefined },
      { id: submitted.id, ...fields, tmpfs: [{ path: '/tmp', size: 8 * 2 ** 20 }], restartPolicy: undefined },
      'as the manager holds it: the size in bytes',
    );
    const out = await runPoseidon(['status', 'shaped'], { ...cliEnv(access), XDG_CONFIG_HOME: join(dir, 'cli') });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^User: +1000:1000$/m);
    assert.match(out.stdout, /^Workdir: +\/tmp$/m);
    assert.match(out.stdout, /^Stop: +SIGINT, then SIGKILL after the worker's --stop-grace$/m);
    assert.match(out.stdout, /^Root filesystem: +read-only$/m);
    assert.match(out.stdout, /^Env: +API_KEY$/m);
    assert.match(out.stdout, /^Restart: +on-failure, at most 3, /m);
    assert.match(out.stdout, /^Tmpfs: +\/tmp \(8 MiB\)$/m);
    assert.doesNotMatch(out.stdout, /k-123/);
  });

  test('logs of a task with no container say whether one is coming', async () => {
    const access = (manager as SpawnedManager).access;
    const env = { ...cliEnv(access), XDG_CONFIG_HOME: join(dir, 'cli') };
    const waiting = await runPoseidon(['logs', 'first'], env);
    assert.equal(waiting.code, 1);
    assert.match(
      waiting.stderr,
      /^poseidon: task first \([0-9a-f]{8}\) is Pending \(no nodes have joined the cluster yet\), with no container yet; try again once it is Running\n$/,
    );
    const client = adminClient(access);
    const ended = await client.submit({ name: 'never-ran', image: TEST_IMAGE });
    await client.stopTask(ended.id);
    const none = await runPoseidon(['logs', 'never-ran'], env);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /^poseidon: task never-ran \([0-9a-f]{8}\) is Completed and never had a container \(.+\); it has no logs\n$/,
    );
  });
});
