import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { MemoryStore } from '../../../src/store/index.js';
import { DEFAULT_RESTART_POLICY } from '../../../src/task/index.js';
import { ControlledStore } from './controlled-store.js';
import {
  beat,
  failed,
  flush,
  registration,
  request,
  settle,
  startManager,
  urlOf,
  uuid,
  W1,
  W2,
  withTask,
  type Harness,
} from './manager-harness.js';

// Drain with the real manager, scheduler and memory store; workers are the real Worker over the
// fake driver, time the fake clock.

/** Advances the fake clock in small steps, both nodes beating, letting the manager act between them. */
async function advance(h: Harness, ms: number, stepMs = 250): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    h.clock.advance(stepMs);
    for (const n of [W1, W2]) await h.manager.heartbeat(n.id, beat(n, h.workers.at(urlOf(n)).activeReports()));
    await settle(h.manager);
  }
}

test('a drained node takes no new task: it waits Pending with the reason when no other node fits', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const view = await h.manager.drainNode('w1');
  assert.equal(view.availability, 'drain');
  const id = uuid('d1');
  await h.manager.submit(request(id));
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.state, 'Pending');
  assert.match(task.reason, /1 node drained/);
  await h.manager.activateNode(W1.id);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, 'Running', 'placed once the node is active again');
});

test('a plain task on a drained node is placed on another node and its copy there is stopped', async (t) => {
  const { h, id, w1 } = await withTask(t, 'd2', { nodes: [W1, W2] });
  assert.equal(h.manager.getTask(id).node, 'w1');
  const events: string[] = [];
  h.manager.events.subscribe((e) => events.push(`${e.type} ${e.taskId === id ? 'task' : (e.node ?? '')}`));
  await h.manager.drainNode('w1');
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.node, 'w2');
  assert.equal(task.state, 'Running');
  assert.equal(task.generation, 2);
  assert.deepEqual(w1.stops, [id], 'its copy on w1 is stopped');
  assert.deepEqual(w1.activeReports(), []);
  assert.ok(events.includes('node.drained w1'), events.join(', '));
  assert.ok(events.includes('task.moved task'), events.join(', '));
  // the stopped copy's report reached the manager from a node that no longer owns the task: w1 forgets it
  await settle(h.manager);
  assert.deepEqual(
    w1.fake.worker.list().map((x) => x.id),
    [],
    'no record of the task left on w1',
  );
  assert.deepEqual(w1.fake.driver.containersOf(id), [], 'nor its container');
});

test('a task that restarts on another node leaves nothing on the node it failed on', async (t) => {
  const { h, id, w1 } = await withTask(t, 'd9', { nodes: [W1, W2] });
  const first = h.manager.getTask(id);
  assert.equal(first.node, 'w1');
  assert.ok(first.containerId !== null);
  w1.fake.driver.exit(first.containerId, 1);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, 'Failed');
  await h.manager.pauseNode('w1'); // takes nothing new: the restart goes to w2
  h.clock.advance(DEFAULT_RESTART_POLICY.backoffInitialMs);
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.deepEqual([task.node, task.state, task.generation], ['w2', 'Running', 2]);
  assert.deepEqual(
    w1.fake.worker.list().map((x) => x.id),
    [],
    'w1 forgot the failed copy',
  );
  assert.deepEqual(w1.fake.driver.containersOf(id), [], 'and removed its container');
});

test('an exclusive task on a drained node stays there with the reason, never two copies', async (t) => {
  const { h, id, w1 } = await withTask(t, 'd3', { nodes: [W1, W2], fields: { exclusive: true } });
  await h.manager.drainNode('w1');
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.node, 'w1');
  assert.equal(task.state, 'Running');
  assert.match(task.reason, /drained; exclusive/);
  assert.deepEqual(w1.stops, []);
});

test('a drain is durable: a manager restart and the worker registering again keep it', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const first = await startManager(t, { store });
  await first.manager.register(registration(W1));
  await first.manager.drainNode('w1');
  await first.manager.stop();
  const second = await startManager(t, { store, clock: first.clock });
  await second.manager.register(registration(W1));
  assert.equal(second.manager.listNodes()[0]?.availability, 'drain');
  const id = uuid('d4');
  await second.manager.submit(request(id));
  await settle(second.manager);
  assert.equal(second.manager.getTask(id).state, 'Pending');
});

test('draining twice, or activating an active node, changes nothing and writes nothing', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const events: string[] = [];
  h.manager.events.subscribe((e) => events.push(e.type));
  await h.manager.activateNode('w1');
  await h.manager.drainNode('w1');
  await h.manager.drainNode('w1');
  assert.deepEqual(events, ['node.drained']);
  await assert.rejects(h.manager.drainNode('nope'), /nope/);
});

test('service replicas on a drained node start elsewhere first and stop there once the new ones run', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create({
    name: 'web',
    replicas: 2,
    task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  });
  await settle(h.manager);
  await h.manager.register(registration(W2));
  const before = h.manager.services.tasks('web').map((x) => x.id);
  const w1 = h.workers.at(urlOf(W1));
  w1.stopMode = 'hold'; // a stop on w1 takes its time, as a container's SIGTERM does
  const w2 = h.workers.at(urlOf(W2));
  w2.startMode = 'unreachable'; // the replacements cannot start yet
  await h.manager.drainNode('w1');
  await advance(h, 1_000);
  const running = (): Array<[number, string, string | null]> =>
    h.manager.services
      .tasks('web')
      .filter((x) => x.state === 'Running')
      .map((x) => [x.slot ?? 0, x.desiredState, x.node]);
  assert.deepEqual(
    running(),
    [
      [1, 'running', 'w1'],
      [2, 'running', 'w1'],
    ],
    'while their replacements cannot start, the replicas on w1 keep running',
  );
  assert.deepEqual(w1.stops, []);
  w2.startMode = 'run';
  await advance(h, 6_000);
  w1.releaseStops();
  await advance(h, 1_000);
  const live = h.manager.services.tasks('web').filter((x) => x.desiredState === 'running');
  assert.deepEqual(
    live.map((x) => [x.slot, x.state, x.node]),
    [
      [1, 'Running', 'w2'],
      [2, 'Running', 'w2'],
    ],
  );
  for (const id of before) {
    const old = h.manager.getTask(id);
    assert.equal(old.desiredState, 'stopped');
    assert.equal(old.node, 'w1');
  }
  assert.deepEqual([...w1.stops].sort(), [...before].sort());
});

/** Two nodes, and service db's two replicas running, each slot with its volume (data-1, data-2); where each volume is. */
async function volumeService(t: TestContext): Promise<{ h: Harness; homes: Map<string, string | null> }> {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  await h.manager.services.create({
    name: 'db',
    replicas: 2,
    task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], volumes: [{ name: 'data', path: '/data' }] },
  });
  await advance(h, 1_000);
  return { h, homes: new Map(h.manager.volumes.list().map((v) => [v.name, v.node])) };
}

test("a replica whose slot's volume is on the drained node stays there, saying why; the others move", async (t) => {
  const { h, homes } = await volumeService(t);
  assert.deepEqual([...homes.values()].sort(), ['w1', 'w2'], "each slot's volume on the node its replica ran on");
  const drained = homes.get('data-1') ?? '';
  await h.manager.drainNode(drained);
  await advance(h, 3_000);
  const live = h.manager.services.tasks('db').filter((x) => x.desiredState === 'running');
  const slot1 = live.filter((x) => x.slot === 1);
  // the old replica keeps serving where its data is; its replacement may go only there, which is drained
  assert.deepEqual(slot1.map((x) => [x.state, x.node]).sort(), [
    ['Pending', null],
    ['Running', drained],
  ]);
  assert.match(
    slot1.find((x) => x.state === 'Pending')?.reason ?? '',
    new RegExp(`volume data-1 is on node ${drained}`),
  );
  // nothing else changed: slot 2 stays on the node holding data-2, and no volume moved
  assert.deepEqual(
    live.filter((x) => x.slot === 2).map((x) => [x.state, x.node]),
    [['Running', homes.get('data-2')]],
  );
  assert.deepEqual(new Map(h.manager.volumes.list().map((v) => [v.name, v.node])), homes);
});

test('a drain lifted while replacements wait or start leaves one replica per slot, never two for good', async (t) => {
  const { h, homes } = await volumeService(t);
  const drained = homes.get('data-1') ?? '';
  const original = h.manager.services.tasks('db').find((x) => x.slot === 1)?.id;
  await h.manager.drainNode(drained);
  await advance(h, 1_000);
  assert.equal(
    h.manager.services.tasks('db').filter((x) => x.slot === 1 && x.desiredState === 'running').length,
    2,
    'the replacement waits Pending beside the replica, as before',
  );
  await h.manager.activateNode(drained);
  await advance(h, 3_000);
  const live = h.manager.services.tasks('db').filter((x) => x.desiredState === 'running');
  assert.deepEqual(
    live.map((x) => [x.slot, x.state]).sort(),
    [
      [1, 'Running'],
      [2, 'Running'],
    ],
    'one replica per slot',
  );
  const slot1 = live.find((x) => x.slot === 1);
  assert.equal(slot1?.node, drained, 'slot 1 stays beside its volume');
  assert.equal(slot1?.id, original, 'the replacement was not placed yet: the replica stays, not restarted');
});

/**
 * Service shop-db, one replica with a volume, that only w1 (zone a) takes, running there; w2 (zone
 * b) runs service web. w1 is drained: shop-db's replacement waits Pending (no other node fits).
 */
async function heldByZone(t: TestContext, store?: ControlledStore<ManagerRecord>) {
  const h = await startManager(t, store === undefined ? {} : { store });
  await h.manager.register({ ...registration(W1), labels: { zone: 'a' } });
  await h.manager.register({ ...registration(W2), labels: { zone: 'b' } });
  const image = 'poseidon/busybox:latest';
  await h.manager.services.create({
    name: 'shop-db',
    replicas: 1,
    constraints: ['node.labels.zone == a'],
    task: { image, command: ['sleep', '600'], volumes: [{ name: 'data', path: '/data' }] },
  });
  await h.manager.services.create({
    name: 'web',
    replicas: 1,
    constraints: ['node.labels.zone == b'],
    task: { image, command: ['sleep', '600'] },
  });
  await advance(h, 1_000);
  const original = h.manager.services.tasks('shop-db')[0]?.id ?? '';
  await h.manager.drainNode('w1');
  await advance(h, 1_000);
  const tasks = h.manager.services.tasks('shop-db');
  assert.deepEqual(
    tasks.map((x) => [x.id === original, x.state, x.node]),
    [
      [true, 'Running', 'w1'],
      [false, 'Pending', null],
    ],
    'the replacement waits Pending beside the replica, which keeps serving',
  );
  const replacement = tasks.find((x) => x.id !== original)?.id ?? '';
  return { h, original, replacement };
}

/** After a lifted drain: the replica ran once and runs still, its replacement never started and is gone. */
function keptTheReplica(h: Harness, original: string, replacement: string): void {
  const w1 = h.workers.at(urlOf(W1));
  const live = h.manager.services.tasks('shop-db').filter((x) => x.desiredState === 'running');
  assert.deepEqual(
    live.map((x) => [x.id, x.slot, x.state, x.node]),
    [[original, 1, 'Running', 'w1']],
    'one task in the slot: the replica it had',
  );
  assert.deepEqual(w1.startsOf(original).length, 1, 'started once, never again');
  assert.ok(!w1.stops.includes(original), 'never stopped');
  assert.equal(h.manager.getTask(replacement).desiredState, 'stopped');
  assert.equal(h.manager.getTask(replacement).node, null, 'never placed');
  for (const n of [W1, W2]) assert.deepEqual(h.workers.at(urlOf(n)).startsOf(replacement), [], 'never started');
}

test('a drain lifted before the replacement is placed keeps the replica running: no restart for nothing', async (t) => {
  const { h, original, replacement } = await heldByZone(t);
  await h.manager.activateNode('w1'); // w1 takes work again: the pass that follows could place there
  await advance(h, 3_000);
  keptTheReplica(h, original, replacement);
});

test('a drain lifted while a pass runs: the pass places after activate, before its service step saw it', async (t) => {
  const store = new ControlledStore<ManagerRecord>();
  const { h, original, replacement } = await heldByZone(t, store);
  // a pass begins: its service step (web scaled) writes, and that write waits
  await h.manager.services.scale('web', 2);
  store.hold('batches');
  const before = store.batches;
  for (let i = 0; i < 5; i++) await flush();
  assert.equal(store.batches, before + 1, "the step's write is on its way");
  // the drain is lifted meanwhile (a node's record is no batch: written at once), then the pass goes
  // on to its placements, with w1 placeable again and shop-db's step still to come
  await h.manager.activateNode('w1');
  store.release();
  await settle(h.manager);
  const waiting = h.manager.getTask(replacement);
  assert.equal(waiting.node, null, 'not placed: the drain that asked for it was lifted');
  await advance(h, 3_000);
  keptTheReplica(h, original, replacement);
  assert.deepEqual(
    h.manager.services.tasks('web').map((x) => [x.state, x.node]),
    [
      ['Running', 'w2'],
      ['Running', 'w2'],
    ],
    'the pass placed what it was to place',
  );
});

test('a paused node takes no new task, keeps the ones it runs, and keeps its pause across a restart', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const { h, id, w1 } = await withTask(t, 'e1', { nodes: [W1], store });
  const events: string[] = [];
  h.manager.events.subscribe((e) => {
    if (e.type.startsWith('node.')) events.push(`${e.type} ${e.node ?? ''}`);
  });
  const view = await h.manager.pauseNode('w1');
  assert.equal(view.availability, 'pause');
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, 'Running', 'its task stays');
  assert.equal(h.manager.getTask(id).node, 'w1');
  assert.deepEqual(w1.stops, []);
  const waiting = uuid('e2');
  await h.manager.submit(request(waiting, { name: 'late' }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(waiting).state, 'Pending');
  assert.equal(h.manager.getTask(waiting).reason, '0/1 nodes can run late: 1 node paused');
  assert.deepEqual(events, ['node.paused w1']);
  await h.manager.stop();
  const again = await startManager(t, { store, clock: h.clock });
  await again.manager.register(registration(W1));
  assert.equal(again.manager.listNodes()[0]?.availability, 'pause', 'durable, and kept when the worker registers');
  await again.manager.activateNode('w1');
  await settle(again.manager);
  assert.equal(again.manager.getTask(waiting).node, 'w1', 'placed once the node is active again');
});

test('a task of a paused node that fails starts again on another node', async (t) => {
  const { h, id } = await withTask(t, 'e3', { nodes: [W1, W2] });
  assert.equal(h.manager.getTask(id).node, 'w1');
  await h.manager.pauseNode('w1');
  const running = h.manager.getTask(id);
  await h.manager.report(W1.id, [
    failed(id, { containerId: running.containerId, startedAt: running.startedAt, finishedAt: running.startedAt }),
  ]);
  await settle(h.manager);
  h.clock.advance(DEFAULT_RESTART_POLICY.backoffInitialMs);
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.node, 'w2', 'a restart is a placement: not on the paused node');
  assert.equal(task.state, 'Running');
  assert.equal(task.generation, 2);
});
