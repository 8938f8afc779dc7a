import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServiceTaskView, ServiceView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { serviceSpec } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// Jobs (`replicated-job`, `global-job`) with a real manager and two real workers over mutual TLS,
// on the engine: a replicated job runs its slots at most maxConcurrent at a time until each has
// exited 0, a slot whose task fails is not run again and the job ends failed, an update runs the
// job again, a global job runs once on each node, and a manager restart re-runs nothing (and keeps
// a global service, whose record has no replica count).

/** A second of work, with a line as it begins and one as it ends. */
const WORK = ['sh', '-c', 'echo begin; sleep 1; echo end'];

describe('jobs with a real manager and real workers', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
  });
  after(() => c.close());

  /** Until the job's run is no longer `running`; its view. */
  async function untilEnded(name: string, timeoutMs = 60_000): Promise<ServiceView> {
    return waitFor(
      async () => {
        const s = await c.client.getService(name);
        return s.job !== undefined && s.job.state !== 'running' ? s : undefined;
      },
      { timeoutMs, what: `job ${name} ended` },
    );
  }

  /** The job's tasks of `version`, by slot. */
  async function tasksOf(name: string, version: number): Promise<ServiceTaskView[]> {
    return (await c.client.serviceTasks(name)).filter((t) => t.version === version).sort((a, b) => a.slot - b.slot);
  }

  test('a replicated job runs one slot at a time until each has exited 0, and is done', async () => {
    const created = await c.client.createService(
      serviceSpec(c, 'migrate', { mode: 'replicated-job', replicas: 3, maxConcurrent: 1 }, { command: WORK }),
    );
    assert.equal(created.mode, 'replicated-job');
    assert.deepEqual(created.job, { state: 'running', completed: 0, failed: 0, total: 3, finishedAt: null });
    const done = await untilEnded('migrate');
    assert.deepEqual([done.job?.state, done.job?.completed, done.job?.failed, done.job?.total], ['complete', 3, 0, 3]);
    assert.ok(done.job?.finishedAt !== null);
    const tasks = await tasksOf('migrate', 1);
    assert.deepEqual(
      tasks.map((t) => [t.slot, t.state, t.exitCode]),
      [
        [1, 'Completed', 0],
        [2, 'Completed', 0],
        [3, 'Completed', 0],
      ],
    );
    // one at a time: each began after the one before had ended
    for (let i = 1; i < tasks.length; i++) {
      const [before, next] = [tasks[i - 1], tasks[i]];
      assert.ok(before?.finishedAt && next?.startedAt, 'each ran');
      assert.ok(Date.parse(next.startedAt) >= Date.parse(before.finishedAt), `slot ${next.slot} waited`);
    }
    assert.match(await c.logText(tasks[0]?.id ?? ''), /begin\nend/);
  });

  test('a slot whose task fails is not run again, and the job ends failed', async () => {
    await c.client.createService(
      serviceSpec(
        c,
        'broken',
        { mode: 'replicated-job', replicas: 1 },
        { command: ['sh', '-c', 'exit 3'], restartPolicy: { mode: 'never' } },
      ),
    );
    const ended = await untilEnded('broken');
    assert.deepEqual([ended.job?.state, ended.job?.completed, ended.job?.failed], ['failed', 0, 1]);
    await new Promise((r) => setTimeout(r, 3_000)); // past the delay a service's replica is replaced after
    const tasks = await c.client.serviceTasks('broken');
    assert.deepEqual(
      tasks.map((t) => [t.state, t.exitCode]),
      [['Failed', 3]],
      'run once, not replaced',
    );
  });

  test('an update runs the job again, as a new version', async () => {
    const updated = await c.client.updateService(
      'migrate',
      serviceSpec(c, 'migrate', { mode: 'replicated-job', replicas: 2, forceUpdate: 1 }, { command: WORK }),
    );
    assert.equal(updated.version, 2);
    assert.equal(updated.update, null);
    const done = await untilEnded('migrate');
    assert.deepEqual([done.version, done.job?.completed, done.job?.total], [2, 2, 2]);
    assert.deepEqual(
      (await tasksOf('migrate', 2)).map((t) => [t.slot, t.state]),
      [
        [1, 'Completed'],
        [2, 'Completed'],
      ],
    );
  });

  test('a global job runs once on each node', async () => {
    await c.client.createService(serviceSpec(c, 'inventory', { mode: 'global-job' }, { command: WORK }));
    const done = await untilEnded('inventory');
    assert.deepEqual([done.job?.state, done.job?.completed, done.job?.total], ['complete', 2, 2]);
    const nodes = (await tasksOf('inventory', 1)).map((t) => t.node).sort();
    assert.deepEqual(nodes, [c.workerName('a'), c.workerName('b')].sort());
  });

  test('after a manager restart a finished job runs nothing again, and a global service is still there', async () => {
    await c.client.createService(serviceSpec(c, 'agent', { mode: 'global' }, { command: ['sleep', '600'] }));
    await waitFor(async () => ((await c.client.getService('agent')).running === 2 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'agent running on both workers',
    });
    const before = (await c.client.serviceTasks('migrate')).length;
    await c.restartManager();
    const agent = await c.client.getService('agent');
    assert.deepEqual([agent.mode, agent.replicas], ['global', 2]);
    const job = await c.client.getService('migrate');
    assert.equal(job.job?.state, 'complete');
    await new Promise((r) => setTimeout(r, 2_000)); // a pass or two after the restart
    assert.equal((await c.client.serviceTasks('migrate')).length, before, 'no slot ran again');
    assert.equal((await c.client.getService('migrate')).job?.state, 'complete');
  });
});
