import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './helpers/cluster.js';

// A stop call waits out the worker's stop grace. A task that ignores SIGTERM makes the worker's
// stop take its whole `--stop-grace` (12 s here) before the kill; the manager's call must not
// give up before (it did at 5 s, logged "stop failed; will retry" and sent the stop again).

describe('a stop that takes the whole stop grace', () => {
  const cluster = new TestCluster();
  before(async () => {
    await cluster.startManager();
    await cluster.startWorker('a', ['--stop-grace', '12']);
  });
  after(() => cluster.close());

  test("the manager's stop call waits for the worker, which stops the task once, after its grace", async () => {
    const t = await cluster.client.submit(
      cluster.task('ignores-term', { command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'] }),
    );
    await cluster.allInState([t.id], 'Running');
    const asked = Date.now();
    await cluster.client.stopTask(t.id);
    const [done] = await cluster.allInState([t.id], 'Completed', 60_000);
    // not a threshold: this says the task did ignore SIGTERM, so the stop took the whole grace
    assert.ok(Date.now() - asked >= 12_000, 'the task ignored SIGTERM until the kill');
    assert.equal(done?.reason, 'stopped on request');
    const retried = cluster.manager.output.filter((l) => l.includes('stop failed'));
    assert.deepEqual(retried, [], 'the stop call was not given up on and sent again');
  });

  test("a task's own stopGracePeriod replaces the worker's, and its stopSignal is what the stop sends", async () => {
    const t = await cluster.client.submit(
      cluster.task('own-grace', {
        stopGracePeriod: '3s',
        command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'],
      }),
    );
    const s = await cluster.client.submit(
      cluster.task('own-signal', {
        stopSignal: 'SIGUSR1',
        command: ['sh', '-c', 'trap "exit 0" USR1; while true; do sleep 0.1; done'],
      }),
    );
    await cluster.allInState([t.id, s.id], 'Running');
    const asked = Date.now();
    await cluster.client.stopTask(t.id);
    const [graced] = await cluster.allInState([t.id], 'Completed', 60_000);
    assert.ok(Date.now() - asked >= 3_000, 'the task ignored SIGTERM until the kill, 3 s later');
    assert.equal(graced?.exitCode, 137, 'killed once its own grace was over');
    await cluster.client.stopTask(s.id);
    const [signalled] = await cluster.allInState([s.id], 'Completed', 60_000);
    assert.equal(signalled?.exitCode, 0, 'SIGUSR1 came first, and the task exited on it');
  });
});
