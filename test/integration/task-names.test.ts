import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LABEL_TEST_RUN } from '../../testkit/cleanup.js';
import { TestCluster } from './helpers/cluster.js';

// One task not ended per name, as docker's container names: a second `poseidon run --name`, task
// file or POST /tasks under a name in use is refused, 409 naming the task that holds it; an ended
// task frees the name, and `logs`, `stop` and `status` by that name then find the new one. A real
// manager and worker on the real engine, with certificates and tokens.

describe('task names', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(async () => {
    await c.close();
  });

  const taken = (name: string, id: string): RegExp =>
    new RegExp(`^poseidon: the name ${name} is in use by task ${id} \\(\\w+\\), which has not ended; stop it first`);

  test('run --name, a task file and POST /tasks under a name in use are refused, naming the task', async () => {
    const label = ['-l', `${LABEL_TEST_RUN}=${c.runId}`];
    const first = await c.cli(['run', '--name', 'dup', ...label, '--wait', 'poseidon/busybox:latest', 'sleep', '600']);
    assert.equal(first.code, 0, first.stderr);
    const id = first.stdout.split(' ')[0] ?? '';
    const second = await c.cli(['run', '--name', 'dup', ...label, 'poseidon/busybox:latest', 'sleep', '600']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, taken('dup', id));

    const file = join(c.dir, 'filed.yaml');
    await writeFile(
      file,
      `name: filed\nimage: poseidon/busybox:latest\ncommand: [sleep, "600"]\nlabels: {${LABEL_TEST_RUN}: ${c.runId}}\n`,
    );
    const filed = await c.cli(['task', '-f', file]);
    assert.equal(filed.code, 0, filed.stderr);
    const again = await c.cli(['task', '-f', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, taken('filed', filed.stdout.trim()));

    // the seed's task file format is checked the same way
    const seed = join(c.dir, 'seed.json');
    await writeFile(
      seed,
      JSON.stringify({ State: 0, Task: { Name: 'seeded', Image: 'poseidon/busybox:latest', State: 0 } }),
    );
    const seeded = await c.cli(['task', '-f', seed]);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.match((await c.cli(['task', '-f', seed])).stderr, taken('seeded', seeded.stdout.trim()));

    const posted = await c.client.submit(c.task('posted'));
    await assert.rejects(c.client.submit(c.task('posted')), (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'task_name_taken');
      assert.match(err.message, new RegExp(`in use by task ${posted.id}`));
      return true;
    });
    const named = (await c.client.listTasks()).filter((t) => ['dup', 'filed', 'seeded', 'posted'].includes(t.name));
    assert.equal(named.length, 4, 'nothing was made of the refused ones');
  });

  test('an ended task frees its name; logs, status and stop by the name then find the new task', async () => {
    const label = ['-l', `${LABEL_TEST_RUN}=${c.runId}`];
    // SIGTERM ignored, 3 s of grace: the stopped task holds its name while it takes them
    const run = (word: string) =>
      c.cli([
        'run',
        '--name',
        'again',
        ...label,
        '--stop-grace-period',
        '3s',
        '--wait',
        'poseidon/busybox:latest',
        'sh',
        '-c',
        `trap '' TERM; echo ${word}; while true; do sleep 1; done`,
      ]);
    const first = await run('first');
    assert.equal(first.code, 0, first.stderr);
    const old = first.stdout.split(' ')[0] ?? '';
    assert.equal((await c.cli(['stop', 'again'])).code, 0);
    const stopping = await c.cli(['run', '--name', 'again', ...label, 'poseidon/busybox:latest']);
    assert.equal(stopping.code, 1, 'stopping: not ended yet');
    assert.match(stopping.stderr, taken('again', old));
    assert.equal((await c.cli(['wait', 'again'])).code, 0, 'the stopped one ends');
    const second = await run('second');
    assert.equal(second.code, 0, second.stderr);
    const fresh = second.stdout.split(' ')[0] ?? '';
    assert.notEqual(fresh, old);
    const shown = await c.cli(['status', 'again', '--json']);
    assert.equal((JSON.parse(shown.stdout) as { id: string }).id, fresh);
    const logs = await c.cli(['logs', 'again']);
    assert.equal(logs.stdout, 'second\n');
    const stopped = await c.cli(['stop', 'again']);
    assert.match(stopped.stdout, new RegExp(`^${fresh} stopping`));
    assert.equal((await c.client.getTask(old)).state, 'Completed');
  });
});
