import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { WorkerTaskView } from '../../../src/api/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import type { WorkerTaskRecord } from '../../../src/worker/index.js';
import { ContainerEvents, type ContainerEventsDeps } from '../../../src/worker/container-events.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

// The worker's container-event path (src/worker/container-events.ts, resync.ts) on the fake
// driver: what the engine says about a container becomes the task's state, reported and durable.

const MiB = 2 ** 20;
const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

/** Lets the worker apply what the engine said: events, starts, resyncs (all queued work, no timers). */
async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Setup {
  fake: FakeWorker;
  /** Every change the worker reported, in order. */
  reported: WorkerTaskView[];
  /** The record as the worker's store holds it. */
  stored(id: string): Promise<WorkerTaskRecord | undefined>;
}

async function setup(t: TestContext, opts: Partial<ConstructorParameters<typeof FakeWorker>[0]> = {}): Promise<Setup> {
  const fake = new FakeWorker({ name: 'w1', clock: new FakeClock(), ...opts });
  await fake.start();
  t.after(() => fake.stop());
  const reported: WorkerTaskView[] = [];
  fake.worker.onChange((v) => reported.push(v));
  return { fake, reported, stored: (id) => fake.store.get(`task/${id}`) };
}

/** Submits a task and waits until its container runs; returns the container's id. */
async function running(s: Setup, id: string, fields: Partial<TaskRequest> = {}): Promise<string> {
  await s.fake.worker.submit(taskRequest(id, fields), 1, 0);
  await idle();
  const task = s.fake.worker.get(id);
  assert.equal(task.state, 'Running');
  assert.ok(task.containerId !== null);
  return task.containerId;
}

/** The last state the worker reported for a task. */
function lastReported(s: Setup, id: string): WorkerTaskView | undefined {
  return s.reported.filter((v) => v.id === id).at(-1);
}

/** The task's state, reason and exit code: as reported, and as stored (they must agree). */
async function outcome(s: Setup, id: string): Promise<{ state: string; reason: string; exitCode: number | null }> {
  const seen = lastReported(s, id);
  const stored = await s.stored(id);
  assert.ok(seen !== undefined, `nothing reported for ${id}`);
  assert.ok(stored !== undefined, `nothing stored for ${id}`);
  assert.deepEqual(
    { state: stored.state, reason: stored.reason, exitCode: stored.exitCode },
    { state: seen.state, reason: seen.reason, exitCode: seen.exitCode },
    'the store holds what was reported',
  );
  return { state: seen.state, reason: seen.reason, exitCode: seen.exitCode };
}

/** The Docker driver's start time is its start call's return, a few ms after the engine's own. */
function startsLate(driver: FakeWorker['driver']): void {
  const start = driver.start.bind(driver);
  driver.start = async (task, options) => {
    const c = await start(task, options);
    return { ...c, startedAt: new Date(Date.parse(c.startedAt ?? '') + 7).toISOString() };
  };
}

describe('container events', () => {
  test('a container that exits with code 0 completes its task', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.exit(c, 0);
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Completed', reason: 'exited with code 0', exitCode: 0 });
    assert.equal((await s.stored(T1))?.finishedAt, s.fake.driver.container(c)?.finishedAt);
  });

  test('a container that exits with another code fails its task, the code in the reason', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.exit(c, 3);
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Failed', reason: 'exited with code 3', exitCode: 3 });
  });

  test('a container the OOM killer ends fails its task with an out-of-memory reason naming the limit', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1, { memoryBytes: 64 * MiB });
    s.fake.driver.oomKill(c);
    await idle();
    assert.deepEqual(await outcome(s, T1), {
      state: 'Failed',
      reason: `killed: out of memory (limit ${64 * MiB} bytes)`,
      exitCode: 137,
    });
  });

  test('a container killed by SIGKILL (137) without an OOM is told apart from one the OOM killer ended', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1, { memoryBytes: 64 * MiB });
    s.fake.driver.exit(c, 137);
    await idle();
    assert.deepEqual(await outcome(s, T1), {
      state: 'Failed',
      reason: 'exited with code 137 (killed by SIGKILL)',
      exitCode: 137,
    });
  });

  test('a container removed behind the worker’s back (docker rm -f) fails its task', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.removeExternally(c);
    await idle();
    const seen = await outcome(s, T1);
    assert.equal(seen.state, 'Failed');
    assert.equal(seen.exitCode, 137);
    assert.equal(s.fake.worker.get(T1).containerId, c);
  });

  test('an exit the engine reports before the start has recorded the container still ends the task', async (t) => {
    const s = await setup(t);
    s.fake.driver.onStart = (c) => s.fake.driver.exit(c.id, 2); // dies as it starts: the die comes first
    await s.fake.worker.submit(taskRequest(T1), 1, 0);
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Failed', reason: 'exited with code 2', exitCode: 2 });
    assert.deepEqual(
      s.reported.filter((v) => v.id === T1).map((v) => v.state),
      ['Failed'],
      'one report: the exit is applied with the start',
    );
  });

  test('a container that exits as it starts has started no later than it ended', async (t) => {
    const s = await setup(t);
    const { driver } = s.fake;
    startsLate(driver);
    driver.onStart = (c) => driver.exit(c.id, 0);
    await s.fake.worker.submit(taskRequest(T1), 1, 0);
    await idle();
    const stored = await s.stored(T1);
    assert.equal(stored?.state, 'Completed');
    const { startedAt, finishedAt } = lastReported(s, T1) ?? {};
    assert.ok(startedAt != null && finishedAt != null);
    assert.ok(Date.parse(startedAt) <= Date.parse(finishedAt), `started ${startedAt}, finished ${finishedAt}`);
    assert.equal(stored?.startedAt, startedAt, 'the store holds what was reported');
  });

  test('a container that exits within the start call’s return has not started after it ended', async (t) => {
    const s = await setup(t);
    const { driver } = s.fake;
    startsLate(driver);
    const c = await running(s, T1);
    driver.exit(c, 0); // the engine's end, at the engine's start time (the clock stands still)
    await idle();
    const { startedAt, finishedAt } = lastReported(s, T1) ?? {};
    assert.ok(startedAt != null && finishedAt != null);
    assert.ok(Date.parse(startedAt) <= Date.parse(finishedAt), `started ${startedAt}, finished ${finishedAt}`);
  });

  test('a stop the worker asked for ends Completed, though the container exits with SIGTERM’s code', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    await s.fake.worker.remove(T1);
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Completed', reason: 'stopped on request', exitCode: 143 });
    assert.equal(s.fake.driver.container(c), undefined, 'its container is removed');
  });

  test('events about a task the worker has no record of change nothing', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    const other = new FakeWorker({ name: 'w1', clock: new FakeClock(), driver: s.fake.driver });
    await other.start();
    t.after(() => other.stop());
    await other.worker.submit(taskRequest(T2), 1, 0);
    await idle();
    s.fake.driver.exit(other.worker.get(T2).containerId ?? '', 1);
    await idle();
    assert.deepEqual(
      s.fake.worker.list().map((v) => v.id),
      [T1],
    );
    assert.equal(s.fake.worker.get(T1).containerId, c);
    assert.equal(s.fake.worker.get(T1).state, 'Running');
  });
});

describe('resync after a gap in the event stream', () => {
  test('a container’s start event takes no turn of its task’s lock: the start itself records the container', () => {
    const locked: string[] = [];
    const tracked: Array<Promise<unknown>> = [];
    const deps = {
      book: {
        lock: {
          run: (key: string, fn: () => Promise<unknown>) => {
            locked.push(key);
            return fn();
          },
        },
        get: () => undefined,
      },
      track: (p: Promise<unknown>) => tracked.push(p),
    } as unknown as ContainerEventsDeps;
    const events = new ContainerEvents(deps);
    events.handle({ kind: 'started', containerId: 'c1', taskId: T1 });
    assert.deepEqual(locked, []);
    assert.equal(tracked.length, 0);
    events.handle({ kind: 'oom', containerId: 'c1', taskId: T1 });
    assert.deepEqual(locked, [T1], 'other events still go through the lock');
  });

  test('the stream ending makes the worker list its containers again', async (t) => {
    const s = await setup(t);
    await running(s, T1);
    const lists = s.fake.driver.callsOf('list').length;
    s.fake.driver.endEventStream();
    await idle();
    assert.equal(s.fake.driver.callsOf('list').length, lists + 1);
    assert.equal(s.fake.driver.watching, 1, 'the worker is connected again');
    assert.equal(s.fake.worker.get(T1).state, 'Running', 'a container still running keeps its task Running');
  });

  test('an exit missed while the stream was down is found by the resync: Failed with the exit code', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.endEventStream();
    s.fake.driver.exit(c, 1); // in the gap: no event reaches the worker
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Failed', reason: 'exited with code 1', exitCode: 1 });
  });

  test('a clean exit missed while the stream was down completes the task', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.endEventStream();
    s.fake.driver.exit(c, 0);
    await idle();
    assert.deepEqual(await outcome(s, T1), { state: 'Completed', reason: 'exited with code 0', exitCode: 0 });
  });

  test('a container removed while the stream was down fails its task, saying so', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    s.fake.driver.endEventStream();
    s.fake.driver.removeExternally(c);
    await idle();
    assert.deepEqual(await outcome(s, T1), {
      state: 'Failed',
      reason: 'container disappeared while the worker was not watching',
      exitCode: null,
    });
  });

  test('a stale copy of a task found in a resync is removed; the recorded container stays', async (t) => {
    const s = await setup(t);
    const driver = s.fake.driver;
    // an earlier run on this host, whose records were lost, left a copy of the task running
    const earlier = new FakeWorker({ name: 'w1', clock: new FakeClock(), driver });
    await earlier.start();
    await earlier.worker.submit(taskRequest(T1), 1, 0);
    await idle();
    await earlier.stop();
    const stale = driver.containersOf(T1)[0]?.id;
    assert.ok(stale !== undefined);
    await s.fake.worker.submit(taskRequest(T1), 2, 0);
    await idle();
    const current = s.fake.worker.get(T1).containerId;
    assert.ok(current !== null && current !== stale);

    driver.endEventStream();
    await idle();
    assert.deepEqual(
      driver.containersOf(T1).map((c) => c.id),
      [current],
    );
    assert.equal(s.fake.worker.get(T1).state, 'Running');
  });

  test('a worker that lost its records adopts its running containers on start and clears the exited ones', async (t) => {
    const first = await setup(t);
    const keeps = await running(first, T1);
    const exits = await running(first, T2);
    first.fake.driver.exit(exits, 0);
    await idle();
    await first.fake.stop();

    const again = await setup(t, { driver: first.fake.driver }); // a fresh store: the data dir was wiped
    assert.deepEqual(
      again.fake.worker.list().map((v) => [v.id, v.state, v.containerId, v.reason]),
      [[T1, 'Running', keeps, 'adopted a running container']],
    );
    assert.equal((await again.stored(T1))?.state, 'Running', 'the adopted record is durable');
    assert.equal(first.fake.driver.container(exits), undefined, 'an exited container with no record is removed');
  });

  test('the engine going away and coming back resyncs; containers it kept running keep their tasks Running', async (t) => {
    const s = await setup(t);
    const c = await running(s, T1);
    const lists = s.fake.driver.callsOf('list').length;
    s.fake.driver.engineDown();
    await idle();
    assert.equal(s.fake.driver.watching, 0);
    await assert.rejects(s.fake.driver.ping(), { code: 'docker_unreachable' });
    s.fake.driver.engineUp();
    await idle();
    assert.equal(s.fake.driver.watching, 1);
    assert.equal(s.fake.driver.callsOf('list').length, lists + 1);
    assert.equal(s.fake.worker.get(T1).state, 'Running');
    assert.equal(s.fake.worker.get(T1).containerId, c);
  });
});
