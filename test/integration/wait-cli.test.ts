import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runningCli } from '../../testkit/running-cli.js';
import { TestCluster } from './helpers/cluster.js';

// `poseidon wait TASK...` as a script runs it, against a real manager and worker on the real
// engine: it blocks until each task has ended for good and prints its exit code, in the order given.

describe('poseidon wait', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(async () => {
    await c.close();
  });

  test('exit codes in the order given, through the restarts its policy makes; a task that ran already at once', async () => {
    const job = await c.client.submit(
      c.task('job', { command: ['sh', '-c', 'sleep 2; exit 3'], restartPolicy: { mode: 'never' } }),
    );
    const flaky = await c.client.submit(
      c.task('flaky', {
        command: ['sh', '-c', 'sleep 1; exit 5'],
        restartPolicy: { mode: 'on-failure', maxRestarts: 1, backoff: '1s' },
      }),
    );
    const waited = await c.cli(['wait', 'flaky', job.id.slice(0, 8)]);
    assert.deepEqual([waited.code, waited.stdout, waited.stderr], [0, '5\n3\n', '']);
    const [f, j] = await Promise.all([c.client.getTask(flaky.id), c.client.getTask(job.id)]);
    assert.deepEqual(
      [f.state, f.restarts, j.state],
      ['Failed', 1, 'Failed'],
      'flaky was waited for through its restart, to the end',
    );
    const again = await c.cli(['wait', 'job']);
    assert.deepEqual([again.code, again.stdout], [0, '3\n']);
  });

  test('a task that ended without running a container prints no code, says so, and exits 1', async () => {
    const nowhere = await c.client.submit(c.task('nowhere', { constraints: ['node.name == no-such-node'] }));
    await c.client.stopTask(nowhere.id); // stopped while Pending: no copy ever ran
    const r = await c.cli(['wait', 'nowhere']);
    assert.deepEqual([r.code, r.stdout], [1, '']);
    assert.match(r.stderr, /^poseidon: task nowhere ended without running: .+\n$/);
  });

  // a broken wait waits for rover for ever: the bound makes that a failure, and the cluster's close kills it
  const HANG_GUARD = { timeout: 120_000 };
  test(
    'a task no node could ever hold is said at once, not waited for; the others are; exit 1',
    HANG_GUARD,
    async () => {
      const job = await c.client.submit(
        c.task('short', { command: ['sh', '-c', 'sleep 1; exit 4'], restartPolicy: { mode: 'never' } }),
      );
      const rover = await c.client.submit(c.task('rover', { constraints: ['node.labels.zone == mars'] }));
      const id = rover.id.slice(0, 8);
      const waiting = runningCli(['wait', 'rover', 'short'], c.cliEnv(), (p) => c.track(p));
      assert.deepEqual([await waiting.exited, waiting.out()], [1, '4\n'], waiting.err());
      assert.equal(
        waiting.err(),
        `poseidon: task ${id} (rover) cannot be placed: 0/1 nodes could ever hold it: 1 node does not match ` +
          'node.labels.zone == mars; give a node the label it asks for (poseidon node update --label-add KEY=VALUE ' +
          "NODE; poseidon node ls shows each node's labels), or change --constraint (it stays Pending: poseidon " +
          `stop ${id})\n`,
      );
      assert.equal((await c.client.getTask(rover.id)).state, 'Pending', 'it is left as it is');
      await c.client.stopTask(rover.id);
      assert.equal((await c.client.getTask(job.id)).state, 'Failed');
    },
  );

  test('a name that matches no task is refused before any wait', async () => {
    const none = await c.cli(['wait', 'job', 'ghost']);
    assert.deepEqual(
      [none.code, none.stdout, none.stderr],
      [1, '', 'poseidon: no task matches "ghost"; poseidon status lists the tasks\n'],
    );
  });
});
