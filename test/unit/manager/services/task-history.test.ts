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

function history(limit: number, services: Set<string>, forgotten: string[][] = []) {
  return new TaskHistory({
    limit,
    hasService: (name) => services.has(name),
    forget: async (ids) => {
      forgotten.push([...ids]);
      return [...ids];
    },
    log: silent,
  });
}

test("a slot keeps its newest ended tasks; the oldest past the limit are forgotten, each slot's own", async () => {
  const forgotten: string[][] = [];
  const h = history(2, new Set(['web']), forgotten);
  for (let i = 0; i < 4; i++) h.follow(`a${i}`, replica(`a${i}`, 'web', 1, 10 - i)); // a3 is the oldest
  h.follow('b0', replica('b0', 'web', 2, 1));
  assert.equal(await h.prune(), 2);
  assert.deepEqual(forgotten, [['a3', 'a2']]);
  assert.equal(await h.prune(), 0, 'nothing is past the limit now');
});

test('only ended replicas count: running ones, wanted ones and plain tasks are not history', async () => {
  const forgotten: string[][] = [];
  const h = history(0, new Set(['web']), forgotten);
  h.follow('run', replica('run', 'web', 1, 1, { state: TaskState.Running }));
  h.follow('wanted', replica('wanted', 'web', 1, 2, { desired: 'running' })); // Failed, to be restarted
  h.follow('plain', taskRecord('plain', { state: TaskState.Completed, desired: 'stopped' }));
  h.follow('stopping', replica('stopping', 'web', 1, 3, { state: TaskState.Running }));
  assert.equal(h.size, 0);
  assert.equal(await h.prune(), 0);
  // it ends: now it is history, and with a limit of 0 it goes
  h.follow('stopping', replica('stopping', 'web', 1, 3, { state: TaskState.Completed }));
  assert.equal(await h.prune(), 1);
  assert.deepEqual(forgotten, [['stopping']]);
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

test('a write that fails leaves the history to the next prune', async () => {
  let fail = true;
  const h = new TaskHistory({
    limit: 0,
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
