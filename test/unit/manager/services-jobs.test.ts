import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoseidonError } from '../../../src/errors/index.js';
import type { ClusterEvent } from '../../../src/manager/events.js';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { recordProblem } from '../../../src/manager/record-checks.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { registration, settle, startManager, urlOf, W1, W2, type Harness, type NodeSpec } from './manager-harness.js';

// Jobs (`replicated-job`, `global-job`) with the real manager, scheduler and memory store; the
// workers are the real Worker over the fake driver, whose containers exit when a test says so.

const job = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'migrate',
  mode: 'replicated-job',
  replicas: 3,
  task: { image: 'poseidon/busybox:latest', command: ['true'] },
  ...extra,
});

async function cluster(t: Parameters<typeof startManager>[0], nodes: NodeSpec[] = [W1, W2]): Promise<Harness> {
  const h = await startManager(t);
  for (const n of nodes) await h.manager.register(registration(n));
  return h;
}

const NODES: Record<string, NodeSpec> = { w1: W1, w2: W2 };

/** The job's tasks that run now (wanted running, with a container), by slot. */
function running(h: Harness, name = 'migrate') {
  return h.manager.services
    .tasks(name)
    .filter((t) => t.desiredState === 'running' && t.state === 'Running')
    .sort((a, b) => a.slot - b.slot);
}

/** Ends the container of each task given, with that exit code, and lets the manager see it. */
async function exitAll(h: Harness, tasks: ReturnType<typeof running>, code: number): Promise<void> {
  for (const t of tasks) {
    assert.ok(t.containerId !== null && t.node !== null);
    const node = NODES[t.node];
    assert.ok(node !== undefined);
    h.workers.at(urlOf(node)).fake.driver.exit(t.containerId, code);
  }
  await settle(h.manager);
}

test('a replicated job runs its slots at most maxConcurrent at a time, until each has exited 0', async (t) => {
  const h = await cluster(t);
  const events: ClusterEvent[] = [];
  h.manager.events.subscribe((e) => events.push(e));
  const created = await h.manager.services.create(job({ maxConcurrent: 2 }));
  assert.equal(created.mode, 'replicated-job');
  assert.equal(created.update, null);
  await settle(h.manager);
  assert.deepEqual(
    running(h).map((x) => x.slot),
    [1, 2],
    'two at a time',
  );
  assert.deepEqual(h.manager.services.get('migrate').job, {
    state: 'running',
    completed: 0,
    failed: 0,
    total: 3,
    finishedAt: null,
  });

  await exitAll(h, running(h).slice(0, 1), 0);
  assert.deepEqual(
    running(h).map((x) => x.slot),
    [2, 3],
    'slot 1 is done, and slot 3 takes its place',
  );
  await exitAll(h, running(h), 0);
  assert.deepEqual(running(h), []);
  const view = h.manager.services.get('migrate');
  assert.equal(view.job?.state, 'complete');
  assert.equal(view.job?.completed, 3);
  // when its last slot's task ended, read from the tasks (not from the record the next step writes)
  const ends = h.manager.services.tasks('migrate').map((x) => x.finishedAt ?? '');
  assert.equal(view.job?.finishedAt, ends.sort().at(-1));
  assert.equal(h.manager.services.tasks('migrate').length, 3, 'each slot ran once: a done task is not replaced');
  const done = events.filter((e) => e.type === 'job.completed');
  assert.equal(done.length, 1);
  assert.deepEqual([done[0]?.completed, done[0]?.failed, done[0]?.total, done[0]?.version], [3, 0, 3, 1]);

  // scaled up after it was done: the new slots run, and the job is done again
  await h.manager.services.scale('migrate', 4);
  await settle(h.manager);
  assert.deepEqual(
    running(h).map((x) => x.slot),
    [4],
  );
  await exitAll(h, running(h), 0);
  assert.equal(h.manager.services.get('migrate').job?.completed, 4);
  assert.equal(events.filter((e) => e.type === 'job.completed').length, 2);
});

test('a slot whose restart policy gives up is failed, not run again, and the job ends failed', async (t) => {
  const h = await cluster(t);
  const events: ClusterEvent[] = [];
  h.manager.events.subscribe((e) => events.push(e));
  await h.manager.services.create(
    job({ replicas: 2, task: { image: 'poseidon/busybox:latest', restartPolicy: { mode: 'never' } } }),
  );
  await settle(h.manager);
  const [first, second] = running(h);
  assert.ok(first !== undefined && second !== undefined);
  await exitAll(h, [first], 3);
  await exitAll(h, [second], 0);
  h.clock.advance(10_000);
  await settle(h.manager);
  const view = h.manager.services.get('migrate');
  assert.deepEqual([view.job?.state, view.job?.completed, view.job?.failed], ['failed', 1, 1]);
  assert.equal(h.manager.services.tasks('migrate').length, 2, 'the failed slot got no new task');
  assert.deepEqual(
    events.filter((e) => e.type.startsWith('job.')).map((e) => [e.type, e.completed, e.failed]),
    [['job.failed', 1, 1]],
  );
});

test('with no task history kept, a done slot is still done: its task is its result, not history', async (t) => {
  const h = await startManager(t, { taskHistory: 0 });
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  await h.manager.services.create(job({ replicas: 2 }));
  await settle(h.manager);
  await exitAll(h, running(h), 0);
  h.clock.advance(10_000);
  await settle(h.manager);
  assert.deepEqual(running(h), [], 'nothing runs again');
  assert.equal(h.manager.services.get('migrate').job?.state, 'complete');
  assert.equal(h.manager.services.tasks('migrate').length, 2);
  // run again: the last run's tasks become history, and go
  await h.manager.services.update('migrate', job({ replicas: 2, forceUpdate: 1 }));
  await settle(h.manager);
  assert.deepEqual(
    h.manager.services.tasks('migrate').map((x) => x.version),
    [2, 2],
  );
});

test("a replicated job's task on a node drained stops, and its slot runs again elsewhere", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(job({ replicas: 2 }));
  await settle(h.manager);
  const before = running(h);
  assert.deepEqual(before.map((x) => x.node).sort(), ['w1', 'w2']);
  await h.manager.drainNode('w1');
  await settle(h.manager);
  const moved = before.find((x) => x.node === 'w1');
  const stopped = h.manager.listTasks({ service: 'migrate' }).find((x) => x.id === moved?.id);
  assert.equal(stopped?.desiredState, 'stopped');
  assert.match(stopped?.reason ?? '', /node w1 drained/);
  assert.deepEqual(
    running(h).map((x) => [x.slot, x.node]),
    [
      [1, 'w2'],
      [2, 'w2'],
    ],
  );
  await exitAll(h, running(h), 0);
  assert.deepEqual(
    [h.manager.services.get('migrate').job?.state, h.manager.services.get('migrate').job?.completed],
    ['complete', 2],
  );
});

test("a drained node's task holds its place until its container ends: never more than maxConcurrent at once", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(job({ replicas: 2, maxConcurrent: 1 }));
  await settle(h.manager);
  const [first] = running(h);
  assert.ok(first?.node !== undefined && first.node !== null);
  const from = NODES[first.node];
  assert.ok(from !== undefined);
  const driver = h.workers.at(urlOf(from)).fake.driver;
  driver.hold('stop'); // the container takes its stop grace to end
  try {
    await h.manager.drainNode(first.node);
    await settle(h.manager);
    const stopping = h.manager.listTasks({ service: 'migrate' }).find((x) => x.id === first.id);
    assert.deepEqual([stopping?.desiredState, stopping?.state], ['stopped', 'Running']);
    assert.deepEqual(
      h.manager.services.tasks('migrate').filter((x) => x.id !== first.id && x.desiredState === 'running'),
      [],
      'no other task while the stopping one still runs',
    );
  } finally {
    driver.unhold('stop'); // also when an assertion fails: a held stop would hang the harness's cleanup
  }
  await settle(h.manager);
  const other = first.node === 'w1' ? 'w2' : 'w1';
  assert.deepEqual(
    running(h).map((x) => [x.slot, x.node]),
    [[first.slot, other]],
    'once it ended, its slot runs on the other node, alone',
  );
});

test('an update runs the job again as a new version, stopping what the last one still runs', async (t) => {
  const h = await cluster(t);
  const events: ClusterEvent[] = [];
  h.manager.events.subscribe((e) => events.push(e));
  await h.manager.services.create(job({ replicas: 2 }));
  await settle(h.manager);
  await exitAll(h, running(h).slice(0, 1), 0);
  const old = running(h)[0];
  assert.ok(old !== undefined);

  const updated = await h.manager.services.update('migrate', job({ replicas: 2, forceUpdate: 1 }));
  assert.equal(updated.version, 2);
  assert.equal(updated.update, null);
  assert.deepEqual(updated.job, { state: 'running', completed: 0, failed: 0, total: 2, finishedAt: null });
  await settle(h.manager);
  const stopped = h.manager.listTasks({ service: 'migrate' }).find((x) => x.id === old.id);
  assert.equal(stopped?.desiredState, 'stopped');
  assert.equal(stopped?.reason.includes('the job runs again as version 2'), true, stopped?.reason);
  assert.deepEqual(
    running(h).map((x) => [x.slot, x.version]),
    [
      [1, 2],
      [2, 2],
    ],
  );
  await exitAll(h, running(h), 0);
  assert.equal(h.manager.services.get('migrate').job?.state, 'complete');
  assert.deepEqual(
    events.filter((e) => e.type.startsWith('job.')).map((e) => [e.type, e.version]),
    [
      ['job.started', 2],
      ['job.completed', 2],
    ],
  );
  // its spec sent back as the view shows it is taken: a job's view has no update or rollback block
  const shown = h.manager.services.get('migrate').spec;
  assert.equal('update' in shown || 'rollback' in shown, false);
  assert.equal((await h.manager.services.update('migrate', shown)).version, 2, 'the same spec: no new run');
  await assert.rejects(
    h.manager.services.rollback('migrate'),
    (err: unknown) => err instanceof PoseidonError && err.code === 'job_has_no_rollback',
  );
});

test("an update's new run waits for the last version's stopping task: never more than maxConcurrent", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(job({ replicas: 2, maxConcurrent: 1 }));
  await settle(h.manager);
  const [old] = running(h);
  assert.ok(old?.node !== undefined && old.node !== null && old.version === 1);
  const on = NODES[old.node];
  assert.ok(on !== undefined);
  const driver = h.workers.at(urlOf(on)).fake.driver;
  driver.hold('stop'); // the last version's container takes its stop grace to end
  try {
    await h.manager.services.update('migrate', job({ replicas: 2, maxConcurrent: 1, forceUpdate: 1 }));
    await settle(h.manager);
    const stopping = h.manager.listTasks({ service: 'migrate' }).find((x) => x.id === old.id);
    assert.deepEqual([stopping?.desiredState, stopping?.state], ['stopped', 'Running']);
    assert.deepEqual(
      h.manager.services.tasks('migrate').filter((x) => x.version === 2 && x.desiredState === 'running'),
      [],
      "no task of the new run while the last version's still runs",
    );
  } finally {
    driver.unhold('stop'); // also when an assertion fails: a held stop would hang the harness's cleanup
  }
  await settle(h.manager);
  assert.deepEqual(
    running(h).map((x) => [x.slot, x.version]),
    [[1, 2]],
    'once it ended, the new run starts, one at a time',
  );
});

test('a global job runs once on each node, and on a node that joins after', async (t) => {
  const h = await cluster(t, [W1]);
  const created = await h.manager.services.create({
    name: 'inventory',
    mode: 'global-job',
    task: { image: 'poseidon/busybox:latest', command: ['true'] },
  });
  assert.equal(created.replicas, 1);
  await settle(h.manager);
  await exitAll(h, running(h, 'inventory'), 0);
  assert.deepEqual(h.manager.services.get('inventory').job?.state, 'complete');
  await h.manager.register(registration(W2));
  await settle(h.manager);
  const now = running(h, 'inventory');
  assert.deepEqual(
    now.map((x) => x.node),
    ['w2'],
  );
  assert.equal(h.manager.services.get('inventory').job?.state, 'running');
  await exitAll(h, now, 0);
  assert.deepEqual(h.manager.services.get('inventory').job, {
    ...h.manager.services.get('inventory').job,
    state: 'complete',
    completed: 2,
    total: 2,
  });
});

test("a job's spec is checked for what a job cannot have, naming the field", () => {
  const refused = (body: Record<string, unknown>, field: string, words: RegExp): void =>
    assert.throws(
      () => parseServiceSpec(body),
      (err: unknown) => err instanceof PoseidonError && err.message.startsWith(field) && words.test(err.message),
    );
  refused(job({ update: { parallelism: 2 } }), 'update', /no rollout: an update runs the job again/);
  refused(job({ rollback: { parallelism: 2 } }), 'rollback', /no rollout/);
  refused(
    job({ task: { image: 'poseidon/busybox:latest', restartPolicy: { mode: 'always' } } }),
    'task.restartPolicy.mode',
    /run to completion/,
  );
  refused({ ...job(), mode: 'replicated', maxConcurrent: 2 }, 'maxConcurrent', /only a replicated-job/);
  refused({ ...job(), mode: 'global-job', replicas: undefined, maxConcurrent: 2 }, 'maxConcurrent', /global-job/);
  refused({ ...job(), mode: 'global-job' }, 'replicas', /global-job service/);
  const parsed = parseServiceSpec(job({ maxConcurrent: 2 }));
  assert.deepEqual([parsed.mode, parsed.replicas, parsed.maxConcurrent], ['replicated-job', 3, 2]);
});

test('global services and jobs come back after a manager restart (their records have no replica count)', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const first = await startManager(t, { store });
  await first.manager.register(registration(W1));
  await first.manager.services.create({ name: 'agent', mode: 'global', task: { image: 'poseidon/busybox:latest' } });
  await first.manager.services.create({
    name: 'inventory',
    mode: 'global-job',
    task: { image: 'poseidon/busybox:latest' },
  });
  await first.manager.services.create(job());
  await settle(first.manager);
  await first.manager.stop();
  for (const [, rec] of await store.list('')) assert.equal(recordProblem(rec), null);
  const second = await startManager(t, { store, clock: first.clock });
  assert.deepEqual(
    second.manager.services
      .list()
      .map((s) => [s.name, s.mode])
      .sort(),
    [
      ['agent', 'global'],
      ['inventory', 'global-job'],
      ['migrate', 'replicated-job'],
    ],
  );
});
