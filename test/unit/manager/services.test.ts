import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterEvent } from '../../../src/manager/events.js';
import { Manager } from '../../../src/manager/manager.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ControlledStore } from './controlled-store.js';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { beat, registration, settle, startManager, urlOf, W1, W2, type Harness } from './manager-harness.js';

// Services with the real manager, scheduler and memory store; the workers are the real Worker
// over the fake driver, and time is the fake clock.

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  replicas: 3,
  task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  update: { monitor: '1s' },
  ...extra,
});

/** Version 2's template: a health check that passes, first checked a second after the start (as Docker's). */
const checked = {
  image: 'poseidon/busybox:2',
  command: ['sleep', '600'],
  healthCheck: { type: 'exec', command: ['true'], interval: '1s' },
};

async function cluster(t: Parameters<typeof startManager>[0], store?: MemoryStore<ManagerRecord>): Promise<Harness> {
  const h = await startManager(t, store === undefined ? {} : { store });
  for (const n of [W1, W2]) await h.manager.register(registration(n));
  return h;
}

/** The service's live tasks as [slot, version, state, node]. */
function slots(h: Harness, name = 'web'): Array<[number, number, string, string | null]> {
  return h.manager.services
    .tasks(name)
    .filter((t) => t.desiredState === 'running')
    .map((t) => [t.slot, t.version, t.state, t.node]);
}

/** Advances the fake clock in small steps, both nodes beating, letting the manager act between them. */
async function advance(h: Harness, ms: number, stepMs = 250): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    h.clock.advance(stepMs);
    for (const n of [W1, W2]) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
  }
}

test('a service of 3 replicas runs one task per slot, spread over the nodes, named for its slots', async (t) => {
  const h = await cluster(t);
  const view = await h.manager.services.create(spec());
  assert.equal(view.version, 1);
  assert.equal(view.spec.replicas, 3);
  await settle(h.manager);
  const tasks = h.manager.services.tasks('web');
  assert.deepEqual(
    tasks.map((x) => [x.slot, x.version, x.state, x.name]),
    [
      [1, 1, 'Running', 'web-1'],
      [2, 1, 'Running', 'web-2'],
      [3, 1, 'Running', 'web-3'],
    ],
  );
  const perNode = new Map<string, number>();
  for (const x of tasks) perNode.set(x.node ?? '', (perNode.get(x.node ?? '') ?? 0) + 1);
  assert.deepEqual([...perNode.values()].sort(), [1, 2], 'spread: 2 and 1');
  assert.equal(h.manager.services.get('web').healthy, 3);
  assert.equal(h.manager.getTask(tasks[0]?.id ?? '').service, 'web', 'a task view names its service');
});

test('scaling removes the highest slots first and adds the missing ones; scaling is no new version', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec({ replicas: 4 }));
  await settle(h.manager);
  await h.manager.services.scale('web', 2);
  await settle(h.manager);
  assert.deepEqual(
    slots(h).map(([s, v, st]) => [s, v, st]),
    [
      [1, 1, 'Running'],
      [2, 1, 'Running'],
    ],
  );
  await h.manager.services.scale('web', 3);
  await settle(h.manager);
  assert.deepEqual(
    slots(h).map(([s]) => s),
    [1, 2, 3],
  );
  assert.equal(h.manager.services.get('web').version, 1);
  await h.manager.services.scale('web', 0);
  await settle(h.manager);
  assert.deepEqual(slots(h), []);
});

test("a scaled-down replica's end shows in the service's tasks only once it is durable, as GET /tasks shows it", async (t) => {
  const store = new ControlledStore<ManagerRecord>();
  const h = await cluster(t, store);
  await h.manager.services.create(spec({ replicas: 2 }));
  await settle(h.manager);
  const removed = h.manager.services.tasks('web').find((x) => x.slot === 2);
  assert.ok(removed !== undefined);
  const workers = [W1, W2].map((n) => h.workers.at(urlOf(n)));
  for (const w of workers) w.stopMode = 'hold';
  await h.manager.services.scale('web', 1);
  await settle(h.manager);
  store.hold('batches'); // the worker's report that the replica ended is on its way to the store
  for (const w of workers) w.releaseStops();
  await settle(h.manager);
  assert.equal(h.manager.getTask(removed.id).state, 'Running', 'GET /tasks shows what is durable');
  const shown = h.manager.services.tasks('web').find((x) => x.id === removed.id);
  assert.equal(shown?.state, 'Running', 'service ps shows the same: still stopping, not gone');
  store.release();
  await settle(h.manager);
  assert.equal(h.manager.getTask(removed.id).state, 'Completed');
  assert.deepEqual(
    h.manager.services.tasks('web').map((x) => x.slot),
    [1],
    'once durable, the ended replica leaves the list',
  );
});

test('a replica whose restart policy gives up is replaced by a new task in its slot', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(
    spec({ replicas: 1, task: { image: 'poseidon/busybox:latest', restartPolicy: { mode: 'never' } } }),
  );
  await settle(h.manager);
  const [first] = h.manager.services.tasks('web');
  assert.ok(first !== undefined && first.containerId !== null && first.nodeId !== null);
  const w = h.workers.at(urlOf(first.node === 'w1' ? W1 : W2));
  w.fake.driver.exit(first.containerId, 1);
  await settle(h.manager);
  assert.equal(h.manager.services.tasks('web')[0]?.state, 'Failed', 'replaced after a pause, not at once');
  await advance(h, 2_500);
  const now = h.manager.services.tasks('web').filter((x) => x.desiredState === 'running');
  assert.equal(now.length, 1);
  assert.notEqual(now[0]?.id, first.id);
  assert.equal(now[0]?.slot, 1);
  assert.equal(now[0]?.state, 'Running');
});

test('a start-first update moves one slot at a time, stopping the old task only after the new one is healthy', async (t) => {
  const h = await cluster(t);
  const events: ClusterEvent[] = [];
  h.manager.events.subscribe((e) => events.push(e));
  await h.manager.services.create(spec());
  await settle(h.manager);
  const updated = await h.manager.services.update('web', spec({ task: checked }));
  assert.equal(updated.version, 2);
  assert.equal(updated.update?.state, 'updating');
  await settle(h.manager);
  // slot 1 has its new task running beside the old one; nothing else moved yet
  assert.deepEqual(
    slots(h).map(([s, v, st]) => [s, v, st]),
    [
      [1, 1, 'Running'],
      [1, 2, 'Running'],
      [2, 1, 'Running'],
      [3, 1, 'Running'],
    ],
  );
  let least = 3;
  for (let i = 0; i < 40 && h.manager.services.get('web').update?.state === 'updating'; i++) {
    await advance(h, 250);
    least = Math.min(least, h.manager.services.get('web').healthy);
  }
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'completed');
  assert.equal(view.update?.updated, 3);
  assert.equal(least, 3, 'never fewer than 3 ready replicas');
  assert.deepEqual(
    slots(h).map(([s, v]) => [s, v]),
    [
      [1, 2],
      [2, 2],
      [3, 2],
    ],
  );
  const types = events.filter((e) => e.service === 'web').map((e) => e.type);
  assert.deepEqual(
    types.filter((x) => x.startsWith('update.')),
    ['update.started', 'update.progress', 'update.progress', 'update.completed'],
  );
});

test('an unchanged template makes no new version; it may scale', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  const v = await h.manager.services.update('web', spec({ replicas: 2, update: { parallelism: 2, monitor: '1s' } }));
  assert.equal(v.version, 1);
  assert.equal(v.update, null);
  assert.equal(v.replicas, 2);
});

test('an update whose new version fails rolls back on its own and ends on the old version', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec({ replicas: 2 }));
  await settle(h.manager);
  await h.manager.services.update(
    'web',
    spec({ replicas: 2, task: { image: 'poseidon/busybox:2', command: ['false'], restartPolicy: { mode: 'never' } } }),
  );
  await settle(h.manager);
  const fresh = h.manager.services.tasks('web').find((x) => x.version === 2);
  assert.ok(fresh?.containerId !== null && fresh !== undefined);
  const w = h.workers.at(urlOf(fresh.node === 'w1' ? W1 : W2));
  w.fake.driver.exit(fresh.containerId, 1);
  await settle(h.manager);
  for (let i = 0; i < 20 && h.manager.services.get('web').update?.state === 'rolling_back'; i++) await advance(h, 250);
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'rolled_back');
  assert.match(view.update?.reason ?? '', /back on version 1: replica 1 of version 2 failed: exited with code 1/);
  assert.equal(view.version, 1);
  assert.deepEqual(
    slots(h).map(([s, v, st]) => [s, v, st]),
    [
      [1, 1, 'Running'],
      [2, 1, 'Running'],
    ],
  );
  const manual = await h.manager.services.rollback('web');
  assert.equal(manual.update?.state, 'rolling_back', 'a manual rollback goes to the version before');
  assert.equal(manual.version, 2);
});

test('an update that never becomes ready ends at its progress deadline: paused with the reason when so asked', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec({ replicas: 1 }));
  await settle(h.manager);
  // the new version is placed nowhere: no node has that much memory
  await h.manager.services.update(
    'web',
    spec({
      replicas: 1,
      task: { image: 'poseidon/busybox:latest', memory: '1Ti' },
      update: { progressDeadline: '5s', failureAction: 'pause' },
    }),
  );
  await advance(h, 6_000, 500);
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'paused');
  assert.match(view.update?.reason ?? '', /progress deadline/);
  assert.deepEqual(
    slots(h).map(([s, v, st]) => [s, v, st]),
    [[1, 1, 'Running']],
    'the old replica keeps serving; the new one that did not make it is gone',
  );
});

test('a manager restarted in the middle of an update carries on from where it was', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const h = await cluster(t, store);
  await h.manager.services.create(spec());
  await settle(h.manager);
  // a slot is done once its new task runs: a delay between slots keeps the update going past 1.5 s
  await h.manager.services.update(
    'web',
    spec({ task: { image: 'poseidon/busybox:2', command: ['sleep', '600'] }, update: { monitor: '1s', delay: '1s' } }),
  );
  await advance(h, 1_500);
  const before = h.manager.services.get('web').update;
  assert.equal(before?.state, 'updating');
  assert.ok((before?.updated ?? 0) >= 1);
  await h.manager.stop();
  const again = await startManager(t, { store, clock: h.clock });
  for (const n of [W1, W2]) await again.manager.register(registration(n, h.workers.at(urlOf(n)).activeReports()));
  assert.ok(again.manager instanceof Manager);
  assert.equal(again.manager.services.get('web').update?.updated, before?.updated);
  for (let i = 0; i < 40 && again.manager.services.get('web').update?.state === 'updating'; i++)
    await advance(again, 250);
  assert.equal(again.manager.services.get('web').update?.state, 'completed');
});

test('bad input changes nothing: a name taken, a missing service, replicas out of range', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await assert.rejects(h.manager.services.create(spec()), { code: 'service_exists' });
  await assert.rejects(h.manager.services.update('nope', spec({ name: 'nope' })), { code: 'service_not_found' });
  await assert.rejects(h.manager.services.create(spec({ name: 'big', replicas: 10_001 })), { code: 'invalid_request' });
  await assert.rejects(h.manager.services.update('web', spec({ update: { parallelism: 0 } })), /update.parallelism/);
  await assert.rejects(h.manager.services.rollback('web'), { code: 'no_previous_version' });
  assert.deepEqual(
    h.manager.services.list().map((s) => [s.name, s.version, s.replicas]),
    [['web', 1, 3]],
  );
});

test('scaling up during an update: the new slots start on the new version and the update completes over all of them', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  await h.manager.services.update('web', spec({ task: { image: 'poseidon/busybox:2', command: ['sleep', '600'] } }));
  await advance(h, 500);
  assert.equal(h.manager.services.get('web').update?.state, 'updating');
  await h.manager.services.scale('web', 5);
  for (let i = 0; i < 60 && h.manager.services.get('web').update?.state === 'updating'; i++) await advance(h, 250);
  const view = h.manager.services.get('web');
  assert.equal(view.update?.state, 'completed');
  assert.equal(view.update?.total, 5);
  assert.deepEqual(
    slots(h).map(([s, v]) => [s, v]),
    [1, 2, 3, 4, 5].map((s) => [s, 2]),
  );
});

test('removing a service stops its replicas in the pass it kicks, not at the next sweep', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const ids = h.manager.services.tasks('web').map((x) => x.id);
  assert.equal(ids.length, 3);
  const exited: string[] = [];
  h.manager.events.subscribe((e) => {
    if (e.type === 'task.exited' && e.state === 'Completed' && e.taskId !== undefined) exited.push(e.taskId);
  });
  await h.manager.services.remove('web');
  await settle(h.manager); // the fake clock stands still: no sweep, no heartbeat
  const stops = [W1, W2].flatMap((n) => h.workers.at(urlOf(n)).fake.driver.callsOf('stop'));
  assert.equal(stops.length, 3, 'each replica was asked to stop');
  assert.deepEqual(exited.sort(), [...ids].sort(), 'each ended Completed');
  // a removed service keeps no history: its ended tasks are forgotten
  for (const id of ids) assert.throws(() => h.manager.getTask(id), /no task matches/);
});

test("a replica's next task goes to the node holding its slot's volume, though spreading would send it elsewhere", async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create(
    spec({
      name: 'db',
      replicas: 2,
      task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], volumes: [{ name: 'data', path: '/data' }] },
    }),
  );
  await settle(h.manager);
  assert.deepEqual(
    h.manager.volumes.list().map((v) => [v.name, v.node]),
    [
      ['data-1', 'w1'],
      ['data-2', 'w1'],
    ],
  );
  // w2 joins empty: spreading alone would put slot 1's next task there, away from data-1
  await h.manager.register(registration(W2));
  const [first] = slots(h, 'db');
  assert.equal(first?.[0], 1);
  const slot1 = h.manager.services.tasks('db').find((x) => x.slot === 1 && x.desiredState === 'running');
  await h.manager.stopTask(slot1?.id ?? '');
  await advance(h, 4_000);
  assert.deepEqual(slots(h, 'db'), [
    [1, 1, 'Running', 'w1'],
    [2, 1, 'Running', 'w1'],
  ]);
  assert.notEqual(
    h.manager.services.tasks('db').find((x) => x.slot === 1 && x.desiredState === 'running')?.id,
    slot1?.id,
    'slot 1 has a new task',
  );
});

test('a new forceUpdate restarts every replica as a new version of the same spec; an update without it keeps it', async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const before = h.manager.services.tasks('web').map((x) => x.id);
  const forced = await h.manager.services.update('web', spec({ forceUpdate: 1 }));
  assert.deepEqual([forced.version, forced.update?.state, forced.spec.forceUpdate], [2, 'updating', 1]);
  for (let i = 0; i < 40 && h.manager.services.get('web').update?.state === 'updating'; i++) await advance(h, 250);
  assert.equal(h.manager.services.get('web').update?.state, 'completed');
  const now = h.manager.services.tasks('web').filter((x) => x.desiredState === 'running');
  assert.deepEqual(
    now.map((x) => [x.slot, x.version, x.state]),
    [
      [1, 2, 'Running'],
      [2, 2, 'Running'],
      [3, 2, 'Running'],
    ],
  );
  assert.ok(
    now.every((x) => !before.includes(x.id)),
    'every replica is a new task',
  );
  // the same spec again, the counter left out (a file, a Compose deploy): no new version, the counter kept
  const again = await h.manager.services.update('web', spec({ replicas: 2 }));
  assert.deepEqual(
    [again.version, again.update?.state, again.spec.forceUpdate, again.spec.replicas],
    [2, 'completed', 1, 2],
  );
});

test("a service created again under a removed one's name shows none of the removed one's tasks, which are forgotten once they end", async (t) => {
  const h = await cluster(t);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const old = h.manager.services.tasks('web').map((x) => x.id);
  assert.equal(old.length, 3);
  for (const n of [W1, W2]) h.workers.at(urlOf(n)).stopMode = 'hold'; // their containers take their time to stop
  await h.manager.services.remove('web');
  await settle(h.manager);
  await h.manager.services.create(spec());
  await settle(h.manager);
  const fresh = h.manager.services.tasks('web').map((x) => x.id);
  assert.equal(fresh.length, 3, 'the new service runs its 3 replicas');
  assert.ok(
    fresh.every((id) => !old.includes(id)),
    'service ps of the new service lists none of the removed one',
  );
  assert.deepEqual(
    h.manager
      .listTasks({ service: 'web' })
      .map((x) => x.id)
      .sort(),
    [...fresh].sort(),
    'nor does GET /tasks?service=web (its history in service ps, status --service web)',
  );
  for (const n of [W1, W2]) h.workers.at(urlOf(n)).releaseStops();
  await advance(h, 1_000);
  assert.deepEqual(
    h.manager.services
      .tasks('web')
      .map((x) => x.id)
      .sort(),
    [...fresh].sort(),
    "the removed one's tasks, ended now, are no history of the new one",
  );
  for (const id of old)
    assert.throws(() => h.manager.getTask(id), /no task matches/, 'forgotten, as a removed service keeps none');
  assert.deepEqual(h.manager.services.get('web').version, 1);
});

test("a slot's named volume is never mounted by two of its replicas at once: a new one waits for the leaving one to end", async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const db = spec({
    name: 'db',
    replicas: 1,
    task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], volumes: [{ name: 'data', path: '/data' }] },
  });
  await h.manager.services.create(db);
  await settle(h.manager);
  const [old] = h.manager.services.tasks('db');
  assert.equal(old?.state, 'Running');
  const w1 = h.workers.at(urlOf(W1));
  w1.stopMode = 'hold'; // its container takes its time to stop, as a database's does
  // removed and created again at once (stack rm then deploy): the old replica still writes to data-1
  await h.manager.services.remove('db');
  await settle(h.manager);
  await h.manager.services.create(db);
  await settle(h.manager);
  assert.deepEqual(h.manager.services.tasks('db'), [], 'no new replica while the old one holds data-1');
  assert.equal(h.manager.getTask(old?.id ?? '').state, 'Running');
  w1.releaseStops();
  await settle(h.manager);
  const [fresh] = h.manager.services.tasks('db');
  assert.notEqual(fresh?.id, old?.id);
  assert.equal(fresh?.state, 'Running', 'placed once the old one had ended');
  assert.equal(h.manager.volumes.get('data-1').inUseBy.length, 1);
});
