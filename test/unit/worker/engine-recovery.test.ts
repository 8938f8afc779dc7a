import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { FOREIGN_EXIT_HOLD_MS } from '../../../src/worker/container-events.js';
import type { OwnedTask } from '../../../src/worker/engine-recovery.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// An engine restart is not the task's fault (src/worker/engine-health.ts, container-events.ts,
// engine-recovery.ts): on the fake driver, dockerd stops (signalling and stopping every
// container), stays away, and comes back.

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

async function idle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Setup {
  fake: FakeWorker;
  clock: FakeClock;
  reported: WorkerTaskView[];
}

async function setup(t: TestContext, owned?: () => Promise<OwnedTask[] | null>): Promise<Setup> {
  const clock = new FakeClock();
  const fake = new FakeWorker({ name: 'w1', clock });
  await fake.start();
  t.after(() => fake.stop());
  if (owned !== undefined) fake.worker.askOwnershipWith(owned);
  const reported: WorkerTaskView[] = [];
  fake.worker.onChange((v) => reported.push(v));
  return { fake, clock, reported };
}

async function running(s: Setup, id: string, generation = 1): Promise<string> {
  await s.fake.worker.submit(taskRequest(id), generation, 0);
  await idle();
  const task = s.fake.worker.get(id);
  assert.equal(task.state, 'Running');
  assert.ok(task.containerId !== null);
  return task.containerId;
}

/** Waits (a few ms of real time at most) until the worker brought its tasks back. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check());
}

describe('engine restart', () => {
  test('dockerd stopping its containers fails no task; when it is back the same containers run again', async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1);
    const c2 = await running(s, T2, 4);
    s.reported.length = 0;
    s.fake.driver.engineShutdown();
    await idle();
    assert.equal(s.fake.worker.engineStatus().available, false);
    assert.match(s.fake.worker.engineStatus().reason, /cannot reach the Docker engine/);
    assert.equal(s.reported.length, 0, 'nothing reported while the engine is away: no exit counts');
    assert.deepEqual(
      s.fake.worker.list().map((v) => v.state),
      ['Running', 'Running'],
    );
    s.clock.advance(FOREIGN_EXIT_HOLD_MS * 2); // the held exits do not count once the engine is gone
    await idle();
    assert.equal(s.reported.length, 0);
    s.fake.driver.engineUp();
    await until(() => s.fake.driver.container(c1)?.running === true && s.fake.driver.container(c2)?.running === true);
    await idle();
    assert.equal(s.fake.worker.engineStatus().available, true);
    const after = s.fake.worker.list();
    assert.deepEqual(
      after.map((v) => [v.id, v.state, v.containerId, v.generation]),
      [
        [T1, 'Running', c1, 1],
        [T2, 'Running', c2, 4],
      ],
    );
    const states = new Set((s.reported as WorkerTaskView[]).map((v) => v.state));
    assert.deepEqual([...states], ['Running'], 'reported Running again, never Failed');
    assert.equal((await s.fake.store.get(`task/${T1}`))?.reason, 'running again: the engine restarted');
  });

  test('a container the engine lost while it was away is recreated for the same task and generation', async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1, 3);
    s.fake.driver.engineShutdown();
    await idle();
    s.fake.driver.removeExternally(c1); // gone with the engine's data, and no event says so
    const starts = s.fake.driver.callsOf('start').length;
    s.fake.driver.engineUp();
    await until(() => s.fake.driver.containersOf(T1).some((c) => c.running));
    await idle();
    const task = s.fake.worker.get(T1);
    assert.deepEqual([task.state, task.generation], ['Running', 3]);
    assert.equal(s.fake.driver.callsOf('start').length, starts + 1, 'a new container was made');
    assert.equal(s.fake.driver.containersOf(T1).filter((c) => c.running).length, 1);
  });

  test('only the tasks the manager still owns come back; the others end and their containers go', async (t) => {
    const s = await setup(t, async () => [{ taskId: T1, generation: 1 }]);
    const c1 = await running(s, T1);
    const c2 = await running(s, T2);
    s.fake.driver.engineShutdown();
    await idle();
    s.fake.driver.engineUp();
    await until(() => s.fake.worker.get(T2).state === 'Completed' && s.fake.driver.container(c1)?.running === true);
    assert.equal(s.fake.worker.get(T2).reason, 'stopped: the manager runs this task on another node now');
    assert.equal(s.fake.driver.container(c2), undefined, 'its container is removed');
  });

  test('a start that cannot reach the engine waits Scheduled, and runs once the engine is back', async (t) => {
    const s = await setup(t);
    s.fake.driver.engineDown();
    await idle();
    await s.fake.worker.submit(taskRequest(T1), 1, 0);
    await idle();
    assert.equal(s.fake.worker.get(T1).state, 'Scheduled');
    assert.equal(s.fake.worker.engineStatus().available, false);
    s.fake.driver.engineUp();
    await until(() => s.fake.worker.get(T1).state === 'Running');
  });

  test('a stop someone else sent (docker stop), with the engine still there, counts once the hold is over', async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1);
    s.fake.driver.killExternally(c1, 143, 'SIGTERM');
    await idle();
    assert.equal(s.fake.worker.get(T1).state, 'Running', 'held: it may be the engine stopping');
    s.clock.advance(FOREIGN_EXIT_HOLD_MS);
    await idle();
    assert.equal(s.fake.worker.get(T1).state, 'Failed');
    assert.equal(s.fake.worker.get(T1).exitCode, 143);
  });

  test('a SIGKILL someone else sent (docker kill: the engine says signal 9) counts at once', async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1);
    const c2 = await running(s, T2);
    s.fake.driver.killExternally(c1, 137, '9');
    s.fake.driver.killExternally(c2, 137, 'SIGKILL');
    await idle();
    assert.deepEqual(
      [s.fake.worker.get(T1).state, s.fake.worker.get(T2).state],
      ['Failed', 'Failed'],
      'the engine stopping sends the stop signal first, never SIGKILL alone',
    );
    assert.equal(s.fake.worker.get(T1).reason, 'exited with code 137 (killed by SIGKILL)');
  });

  test("a SIGKILL after a stop signal (the engine's grace ran out) is still held", async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1);
    s.fake.driver.signalExternally(c1, 'SIGTERM');
    s.fake.driver.killExternally(c1, 137, 'SIGKILL');
    await idle();
    assert.equal(s.fake.worker.get(T1).state, 'Running', 'held: the first signal was a stop');
  });

  test('an exit nobody signalled, and the worker’s own stop, count at once', async (t) => {
    const s = await setup(t);
    const c1 = await running(s, T1);
    await running(s, T2);
    s.fake.driver.exit(c1, 1);
    await idle();
    assert.equal(s.fake.worker.get(T1).state, 'Failed');
    const stopped = await s.fake.worker.remove(T2);
    assert.equal(stopped.state, 'Completed');
    assert.equal(stopped.reason, 'stopped on request');
  });
});
