import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterState, type ManagerRecord } from '../../../src/manager/cluster-state.js';
import type { ClusterEvent } from '../../../src/manager/events.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import { place } from '../../../src/manager/transitions.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { ControlledStore } from './controlled-store.js';
import { taskRecord } from './records-fixture.js';

function setup(): {
  state: ClusterState;
  store: ControlledStore<ManagerRecord>;
  seen: Array<[string, string | undefined]>;
  events: ClusterEvent[];
} {
  const store = new ControlledStore<ManagerRecord>();
  const state = new ClusterState({ store, clock: new FakeClock(), log: pino({ level: 'silent' }) });
  const seen: Array<[string, string | undefined]> = [];
  state.onRecord((id, rec) => seen.push([id, rec?.state]));
  const events: ClusterEvent[] = [];
  state.events.subscribe((e) => events.push(e));
  return { state, store, seen, events };
}

function event(rec: TaskRecord): ClusterEvent {
  return { time: 't', type: 'task.scheduled', taskId: rec.request.id, state: rec.state };
}

async function commitOne(state: ClusterState, rec: TaskRecord): Promise<void> {
  const changes = state.newChanges();
  changes.put(rec);
  changes.event(event(rec));
  await state.commit(changes);
}

test('a commit writes its records in one batch and publishes their events only once they are written', async () => {
  const { state, store, events } = setup();
  store.hold();
  const a = taskRecord('a');
  const changes = state.newChanges();
  changes.put(a);
  changes.put(taskRecord('b'));
  changes.event(event(a));
  const writing = state.commit(changes);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(events.length, 0, 'no event before the write');
  assert.equal(state.task('a'), a, 'decisions see the record on its way');
  assert.equal(state.durable('a'), undefined, 'the API does not');
  store.release();
  await writing;
  assert.equal(store.batches, 1);
  assert.equal(events.length, 1);
  assert.equal(state.durable('a'), a);
  assert.equal((await store.list('task/')).length, 2);
});

test('a failed write puts every record it carried back, and a first write that fails leaves no task', async () => {
  const { state, store, seen, events } = setup();
  const a = taskRecord('a');
  await commitOne(state, a);
  seen.length = 0;
  events.length = 0;
  store.failNext(new Error('disk full'));
  const changes = state.newChanges();
  changes.put(place(a, 'n1', 'placed', 'now'));
  changes.put(taskRecord('b'));
  changes.event(event(a));
  await assert.rejects(state.commit(changes), /disk full/);
  assert.equal(state.task('a'), a, 'the placement that was never written is undone');
  assert.equal(state.task('b'), undefined);
  assert.deepEqual(seen, [
    ['a', 'Scheduled'],
    ['b', 'Pending'],
    ['a', 'Pending'],
    ['b', undefined],
  ]);
  assert.equal(events.length, 0, 'no event for what was never written');
});

test('a write that fails while a later one carries the same task leaves the later record in place', async () => {
  const { state, store } = setup();
  const a = taskRecord('a');
  await commitOne(state, a);
  store.hold();
  const first = commitOne(state, { ...a, reason: 'first' });
  await new Promise((resolve) => setImmediate(resolve));
  const second = commitOne(state, { ...a, reason: 'second' });
  store.failNext(new Error('disk full'));
  store.release();
  await assert.rejects(first, /disk full/);
  await second;
  assert.equal(state.task('a')?.reason, 'second');
  assert.equal(state.durable('a')?.reason, 'second');
});

test('a staged submission is seen by decisions, is not durable until a commit carries it, and a dropped one is gone', async () => {
  const { state, seen } = setup();
  const a = taskRecord('a');
  state.stage(a);
  assert.equal(state.task('a'), a);
  assert.equal(state.durable('a'), undefined);
  await commitOne(state, a);
  assert.equal(state.durable('a'), a);
  state.stage(taskRecord('b'));
  state.drop('b');
  assert.equal(state.task('b'), undefined);
  state.drop('a'); // written: dropping is for submissions no write carried
  assert.equal(state.task('a'), a);
  assert.deepEqual(seen.at(-1), ['b', undefined]);
});

test('load reads tasks and nodes back and tells the listener of every task', async () => {
  const { state, store } = setup();
  await commitOne(state, taskRecord('a'));
  await store.put('node/n1', {
    kind: 'node',
    node: {
      id: 'n1',
      name: 'w1',
      url: 'http://w1',
      capacity: { cpuCores: 1, memoryBytes: 1, diskBytes: 1 },
      static: false,
      registeredAt: 't',
    },
  });
  const again = new ClusterState({ store, clock: new FakeClock(), log: pino({ level: 'silent' }) });
  const seen: string[] = [];
  again.onRecord((id) => seen.push(id));
  const loaded = await again.load();
  assert.equal(loaded.tasks, 1);
  assert.deepEqual(
    loaded.nodes.map((n) => n.id),
    ['n1'],
  );
  assert.deepEqual(seen, ['a']);
  assert.equal(again.durable('a')?.request.id, 'a');
});

test('an id prefix resolves to its one task; an ambiguous or unknown one is a typed error', async () => {
  const { state } = setup();
  await commitOne(state, taskRecord('abc1'));
  await commitOne(state, taskRecord('abc2'));
  assert.equal(state.resolve('abc1').request.id, 'abc1');
  assert.throws(() => state.resolve('abc'), { code: 'ambiguous_id' });
  assert.throws(() => state.resolve('zzz'), { code: 'task_not_found' });
});

test('a name resolves to its task, before an id prefix; of one name, the task not ended, else the last submitted', async () => {
  const { state } = setup();
  const named = (id: string, name: string, fields: Partial<TaskRecord> = {}): TaskRecord => {
    const rec = taskRecord(id, fields);
    return { ...rec, request: { ...rec.request, name } };
  };
  await commitOne(
    state,
    named('abc1', 'web', { state: 'Completed', desired: 'stopped', submittedAt: '2026-12-01T00:00:00.000Z' }),
  );
  await commitOne(
    state,
    named('abc2', 'web', { state: 'Completed', desired: 'stopped', submittedAt: '2026-12-02T00:00:00.000Z' }),
  );
  assert.equal(state.resolve('web').request.id, 'abc2', 'ended only: the last submitted');
  await commitOne(state, named('abc3', 'web'));
  assert.equal(state.resolve('web').request.id, 'abc3', 'the one not ended');
  await commitOne(state, named('def1', 'abc'));
  assert.equal(state.resolve('abc').request.id, 'def1', 'a name before an id prefix');
  assert.equal(state.resolve('abc2').request.id, 'abc2', 'a whole id before anything');
  await commitOne(state, named('abc4', 'web'));
  assert.throws(() => state.resolve('web'), {
    code: 'ambiguous_id',
    message: '2 tasks not ended are named "web" (abc3, abc4); give the id',
  });
});

test('the task holding a name is the one not ended, found by the name index as records come, fail and go', async () => {
  const { state, store } = setup();
  const named = (id: string, fields: Partial<TaskRecord> = {}): TaskRecord => {
    const rec = taskRecord(id, fields);
    return { ...rec, request: { ...rec.request, name: 'db' } };
  };
  assert.equal(state.holderOf('db'), undefined, 'no task has it');
  state.stage(named('a1'));
  assert.equal(state.holderOf('db')?.request.id, 'a1', 'a submission not written yet holds it already');
  state.drop('a1');
  assert.equal(state.holderOf('db'), undefined, 'a submission no commit carried never held it');
  store.failNext(new Error('disk full'));
  await assert.rejects(commitOne(state, named('a2')), /disk full/);
  assert.equal(state.holderOf('db'), undefined, 'a first write that failed: the task never existed');
  await commitOne(state, named('a3', { state: 'Running' }));
  assert.equal(state.holderOf('db')?.request.id, 'a3');
  await commitOne(state, named('a3', { state: 'Completed', desired: 'stopped' }));
  assert.equal(state.holderOf('db'), undefined, 'an ended task frees its name');
  assert.equal(state.resolve('db').request.id, 'a3', 'and is still found by it');
  await commitOne(state, named('a4', { state: 'Failed', restartAt: 1 }));
  assert.equal(state.holderOf('db')?.request.id, 'a4', 'failed, but its policy starts it again: not ended');
  await commitOne(state, named('a4', { state: 'Completed', desired: 'stopped' }));
  assert.deepEqual(await state.forgetTasks(['a3']), ['a3']);
  assert.equal(state.resolve('db').request.id, 'a4', 'a forgotten task leaves the index');
  await state.forgetTasks(['a4']);
  assert.throws(() => state.resolve('db'), { code: 'task_not_found' });
  const again = new ClusterState({ store, clock: new FakeClock(), log: pino({ level: 'silent' }) });
  await commitOne(state, named('a5'));
  await again.load();
  assert.equal(again.holderOf('db')?.request.id, 'a5', 'loaded records are indexed');
});

test('a removed node keeps its name for the tasks that ran there, after a reload too', async () => {
  const { state, store } = setup();
  assert.equal(state.nodeName('n1'), 'n1');
  await state.removeNode('n1', [{ nodeId: 'n1', name: 'w1', revokedAt: 't' }]);
  assert.equal(state.nodeName('n1'), 'w1');
  const again = new ClusterState({ store, clock: new FakeClock(), log: pino({ level: 'silent' }) });
  await again.load();
  assert.equal(again.nodeName('n1'), 'w1');
});
