import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { TaskRecord } from '../../../../src/manager/records.js';
import { TaskHistory } from '../../../../src/manager/services/task-history.js';
import { TaskState } from '../../../../src/task/index.js';
import { MemoryStore } from '../../../../src/store/index.js';
import type { ManagerRecord } from '../../../../src/manager/manager.js';
import { beat, registration, settle, startManager, urlOf, W1, W2, type Harness } from '../manager-harness.js';
import { taskRecord } from '../records-fixture.js';
import { taskRequest } from '../../../helpers/task-request.js';

const silent = pino({ level: 'silent' });

/** A replica of `service` in `slot`, submitted at second `second`, ended unless said otherwise. */
function replica(id: string, service: string, slot: number, second: number, fields: Partial<TaskRecord> = {}) {
  return taskRecord(id, {
    state: TaskState.Failed,
    desired: 'stopped',
    submittedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    service: { service, slot, version: 1 },
    ...fields,
  });
}

/** A history whose forget does what ClusterState.forgetTasks does: the records go, and it hears so. */
function history(limit: number, services: Set<string>, forgotten: string[][] = [], plainLimit = 100): TaskHistory {
  const h: TaskHistory = new TaskHistory({
    limit,
    plainLimit,
    hasService: (name) => services.has(name),
    forget: async (ids) => {
      forgotten.push([...ids]);
      for (const id of ids) h.follow(id, undefined);
      return [...ids];
    },
    log: silent,
  });
  return h;
}

test("a slot keeps the last of its tasks to end; the first past the limit are forgotten, each slot's own", async () => {
  const forgotten: string[][] = [];
  const h = history(2, new Set(['web']), forgotten);
  for (let i = 0; i < 4; i++) h.follow(`a${i}`, replica(`a${i}`, 'web', 1, 10 - i)); // ended in this order
  h.follow('a1', replica('a1', 'web', 1, 9, { reason: 'written again' })); // its place stays
  h.follow('b0', replica('b0', 'web', 2, 1));
  assert.equal(await h.prune(), 2);
  assert.deepEqual(forgotten, [['a0', 'a1']]);
  assert.equal(await h.prune(), 0, 'nothing is past the limit now');
});

test('only ended tasks count: running ones and wanted ones are not history; plain ones have a limit of their own', async () => {
  const forgotten: string[][] = [];
  const h = history(0, new Set(['web']), forgotten, 1);
  h.follow('run', replica('run', 'web', 1, 1, { state: TaskState.Running }));
  h.follow('wanted', replica('wanted', 'web', 1, 2, { desired: 'running' })); // Failed, to be restarted
  h.follow('plain', taskRecord('plain', { state: TaskState.Completed, desired: 'stopped' }));
  h.follow('stopping', replica('stopping', 'web', 1, 3, { state: TaskState.Running }));
  assert.equal(h.size, 1, 'the plain task alone');
  assert.equal(await h.prune(), 0, 'within its limit');
  // it ends: now it is history, and with a limit of 0 it goes
  h.follow('stopping', replica('stopping', 'web', 1, 3, { state: TaskState.Completed }));
  assert.equal(await h.prune(), 1);
  assert.deepEqual(forgotten, [['stopping']]);
});

test('plain tasks keep the last --plain-task-history to end, whatever their service-less slot', async () => {
  const forgotten: string[][] = [];
  const h = history(5, new Set(), forgotten, 2);
  for (const id of ['p0', 'p1', 'p2']) h.follow(id, taskRecord(id, { state: TaskState.Completed, desired: 'stopped' }));
  h.follow('p3', taskRecord('p3', { state: TaskState.Failed, desired: 'running' })); // to be restarted: not history
  assert.equal(await h.prune(), 1);
  assert.deepEqual(forgotten, [['p0']]);
  h.follow('p1', undefined); // gone another way
  assert.equal(h.size, 1, 'p2 alone');
});

test("a removed service's history goes whole, even when it ended before the removal", async () => {
  const services = new Set(['web']);
  const forgotten: string[][] = [];
  const h = history(5, services, forgotten);
  h.follow('x', replica('x', 'web', 1, 1));
  h.follow('y', replica('y', 'web', 2, 2));
  assert.equal(await h.prune(), 0);
  services.delete('web');
  h.serviceChanged('web');
  assert.equal(await h.prune(), 2);
  assert.deepEqual(forgotten.flat().sort(), ['x', 'y']);
});

test('a task the store did not forget this time (written meanwhile) is tried again at the next prune', async () => {
  let refuse = true;
  const h: TaskHistory = new TaskHistory({
    limit: 0,
    plainLimit: 0,
    hasService: () => true,
    forget: async (ids) => {
      if (refuse) return [];
      for (const id of ids) h.follow(id, undefined);
      return [...ids];
    },
    log: silent,
  });
  h.follow('x', replica('x', 'web', 1, 1));
  assert.equal(await h.prune(), 0);
  refuse = false;
  assert.equal(await h.prune(), 1, 'without a new follow');
  assert.equal(h.size, 0);
});

test('a write that fails leaves the history to the next prune', async () => {
  let fail = true;
  const h = new TaskHistory({
    limit: 0,
    plainLimit: 0,
    hasService: () => true,
    forget: async (ids) => {
      if (fail) throw new Error('disk full');
      return [...ids];
    },
    log: silent,
  });
  h.follow('x', replica('x', 'web', 1, 1));
  await assert.rejects(h.prune(), /disk full/);
  fail = false;
  assert.equal(await h.prune(), 1);
});

/** Advances the fake clock a step, both nodes beating, and lets the manager act. */
async function step(h: Harness): Promise<void> {
  h.clock.advance(250);
  for (const n of [W1, W2]) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
  await settle(h.manager);
}

/** Fails the service's only replica (its restart policy never restarts) and lets the service replace it. */
async function failReplica(h: Harness): Promise<string> {
  const live = h.manager.services.tasks('web').find((x) => x.desiredState === 'running' && x.state === 'Running');
  assert.ok(live !== undefined && live.containerId !== null, 'a replica runs');
  h.workers.at(urlOf(live.node === 'w1' ? W1 : W2)).fake.driver.exit(live.containerId, 1);
  await settle(h.manager);
  for (let i = 0; i < 40 && !h.manager.services.tasks('web').some((x) => x.state === 'Running'); i++) await step(h);
  return live.id;
}

test('a replica failing in a loop leaves at most --task-history ended tasks, in memory and in the store', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await startManager(t, { store, taskHistory: 2 });
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  await h.manager.services.create({
    name: 'web',
    replicas: 1,
    task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], restartPolicy: { mode: 'never' } },
  });
  await settle(h.manager);
  const all = (): TaskRecord[] => [...h.parts.state.tasks.values()].filter((x) => x.service?.service === 'web');
  const failed: string[] = [];
  for (let i = 0; i < 6; i++) failed.push(await failReplica(h));
  const ended = all().filter((x) => x.desired === 'stopped');
  assert.equal(ended.length, 2, `six replicas failed; two are kept: ${JSON.stringify(all().map((x) => x.state))}`);
  assert.equal(all().filter((x) => x.desired === 'running').length, 1, 'the slot still has its replica');
  assert.equal(h.manager.listTasks({ service: 'web' }).length, 3, 'GET /tasks?service=web lists the three');
  assert.equal(h.manager.listTasks({ service: 'other' }).length, 0);
  const stored = (await store.list('task/')).filter(([, r]) => r.kind === 'task' && r.task.service?.service === 'web');
  assert.equal(stored.length, 3, 'the store holds the same three records');
  assert.deepEqual(ended.map((x) => x.request.id).sort(), failed.slice(4).sort(), 'the newest two');
  assert.throws(() => h.manager.getTask(failed[0] as string), /no task matches/);
  // the workers that ran the four forgotten ones dropped their records too
  await settle(h.manager);
  const held = [W1, W2].flatMap((n) =>
    h.workers
      .at(urlOf(n))
      .fake.worker.list()
      .map((v) => v.id),
  );
  for (const id of failed.slice(0, 4)) assert.ok(!held.includes(id), `a worker still holds ${id}`);
  for (const id of failed.slice(4)) assert.ok(held.includes(id), `the kept ${id} is still on its worker`);

  // removed: its history goes too, once its last replica has stopped
  await h.manager.services.remove('web');
  await settle(h.manager);
  for (let i = 0; i < 20 && all().length > 0; i++) await step(h);
  assert.deepEqual(all(), []);
  assert.deepEqual(
    (await store.list('task/')).filter(([, r]) => r.kind === 'task' && r.task.service?.service === 'web'),
    [],
  );
});

test('plain tasks past --plain-task-history leave the manager, its store, and their worker with their containers', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await startManager(t, { store, plainTaskHistory: 2 });
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const id = `0000000${i}-0000-4000-8000-000000000000`;
    ids.push(id);
    await h.manager.submit(taskRequest(id));
    await settle(h.manager);
    const task = h.manager.getTask(id);
    assert.ok(task.containerId !== null && task.node !== null, 'it runs');
    h.workers.at(urlOf(task.node === 'w1' ? W1 : W2)).fake.driver.exit(task.containerId, 0);
    await step(h);
  }
  await settle(h.manager);
  const kept = [...h.parts.state.tasks.keys()];
  assert.deepEqual(kept.sort(), ids.slice(2), 'the last two to end');
  assert.equal((await store.list('task/')).length, 2);
  const held = [W1, W2].flatMap((n) =>
    h.workers
      .at(urlOf(n))
      .fake.worker.list()
      .map((v) => v.id),
  );
  assert.deepEqual(held.sort(), ids.slice(2), 'the workers forgot the first two');
  const removed = [W1, W2].flatMap((n) =>
    h.workers
      .at(urlOf(n))
      .fake.driver.callsOf('remove')
      .map((a) => a[0]),
  );
  assert.equal(removed.length, 2, 'with their containers');
});
