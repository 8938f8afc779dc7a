import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView, NodeStatusView } from '../../src/api/index.js';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { SecondEngine } from './helpers/second-engine.js';
import { waitFor } from './helpers/wait-for.js';

// An engine restart is not the task's fault (issue: tasks come back after Docker restarts). A
// worker runs on a Docker daemon of the test's own (helpers/second-engine.ts), which the test
// stops and starts as a package upgrade of Docker would; the other tests' engine is never touched.

const unavailable = await SecondEngine.unavailable();

async function nodeNamed(c: TestCluster, name: string): Promise<NodeStatusView> {
  const node = (await c.client.listNodes()).find((n) => n.name === name);
  assert.ok(node !== undefined, `node ${name}`);
  return node;
}

async function tasks(c: TestCluster, ids: readonly string[]): Promise<ManagerTaskView[]> {
  return Promise.all(ids.map((id) => c.client.getTask(id)));
}

describe('an engine restart', { skip: unavailable ?? false }, () => {
  let engine: SecondEngine;

  before(async () => {
    engine = new SecondEngine();
    await engine.start();
    await engine.loadImage(TEST_IMAGE);
  });
  after(async () => {
    await engine.destroy();
  });

  test('within the grace: the node says so, no restart is counted, nothing is placed there, and every task comes back on it', async () => {
    const c = new TestCluster();
    try {
      await c.startManager(['--engine-grace', '60s']);
      const name = c.workerName('e');
      await c.startWorker('e', ['--docker-socket', engine.socket]);
      const always = await c.submitMany('always', 2, { restartPolicy: { mode: 'always' } });
      const onFailure = await c.submitMany('on-failure', 1, { restartPolicy: { mode: 'on-failure' } });
      const ids = [...always, ...onFailure];
      const before = await c.allInState(ids, 'Running');
      assert.ok(before.every((t) => t.node === name));

      await engine.stop();
      const away = await waitFor(
        async () => {
          const n = await nodeNamed(c, name);
          return n.engine?.available === false ? n : undefined;
        },
        { timeoutMs: 30_000, what: 'the node to say its engine is unavailable' },
      );
      assert.equal(away.state, 'Up');
      assert.match(away.conditions[0] ?? '', /^engine unavailable since /);
      const shown = await c.cli(['node']);
      assert.match(shown.stdout, new RegExp(`${name}\\s+Up, engine unavailable \\d+s`));
      const waiting = await c.client.submit(c.task('waits'));
      const pending = await c.client.getTask(waiting.id);
      assert.equal(pending.state, 'Pending');
      assert.match(pending.reason, /1 node without a container engine/);
      const during = await tasks(c, ids);
      assert.deepEqual(
        during.map((t) => [t.state, t.restarts, t.node]),
        ids.map(() => ['Running', 0, name]),
        'while the engine is away the tasks keep their state and count no restart',
      );

      await engine.start();
      await waitFor(async () => (await nodeNamed(c, name)).engine?.available === true, {
        timeoutMs: 30_000,
        what: 'the engine to be available again',
      });
      const back = await waitFor(
        async () => {
          const all = await tasks(c, [...ids, waiting.id]);
          const ours = await engine.containers(`poseidon.worker=${name}`);
          return all.every((t) => t.state === 'Running') && ours.length === ids.length + 1 ? all : undefined;
        },
        { timeoutMs: 30_000, what: 'every task Running again, one container each' },
      );
      for (const [i, t] of back.slice(0, ids.length).entries()) {
        assert.equal(t.id, before[i]?.id);
        assert.equal(t.node, name, 'on the same node');
        assert.equal(t.restarts, 0, 'the engine restart is not counted against the task');
        assert.equal(t.generation, before[i]?.generation, 'the same placement');
        assert.equal(t.containerId, before[i]?.containerId, 'the same container, started again');
      }
    } catch (err) {
      console.log((c.workers.get('e')?.output ?? []).filter((l) => !l.includes('"level":20')).join('\n'));
      throw err;
    } finally {
      await c.close();
    }
  });

  test('past the grace: the tasks run on another node, and the copies on the returning node are stopped', async () => {
    const c = new TestCluster();
    try {
      await c.startManager(['--engine-grace', '3s']);
      const lost = c.workerName('lost');
      await c.startWorker('lost', ['--docker-socket', engine.socket]);
      const ids = await c.submitMany('moves', 2, { restartPolicy: { mode: 'always' } });
      const before = await c.allInState(ids, 'Running');
      assert.ok(before.every((t) => t.node === lost));
      const other = c.workerName('other');
      await c.startWorker('other');

      await engine.stop();
      const moved = await waitFor(
        async () => {
          const now = await tasks(c, ids);
          return now.every((t) => t.state === 'Running' && t.node === other) ? now : undefined;
        },
        { timeoutMs: 60_000, what: 'the tasks Running on the other node' },
      );
      for (const [i, t] of moved.entries()) {
        assert.ok(t.generation > (before[i]?.generation ?? 0), 'a newer placement fences the old copy');
        assert.equal(t.restarts, 0);
      }

      await engine.start();
      await waitFor(async () => (await nodeNamed(c, lost)).engine?.available === true, {
        timeoutMs: 30_000,
        what: 'the engine to be available again',
      });
      await waitFor(async () => (await engine.containers(`poseidon.worker=${lost}`)).length === 0, {
        timeoutMs: 30_000,
        what: 'no copy running on the returning node',
      });
      const after = await tasks(c, ids);
      assert.ok(
        after.every((t) => t.state === 'Running' && t.node === other),
        'still one copy each, elsewhere',
      );
    } finally {
      await c.close();
    }
  });
});
