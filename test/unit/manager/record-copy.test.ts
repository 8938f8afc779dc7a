import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterState, type ManagerRecord } from '../../../src/manager/cluster-state.js';
import { recordCopy } from '../../../src/manager/record-copy.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { ControlledStore } from './controlled-store.js';
import { taskRecord } from './records-fixture.js';

// A follower's copy of the leader's records: each stored record as etcd's watch delivers it,
// taken under its key as cluster-state.ts names keys, with nothing written and nothing published.

function setup() {
  const store = new ControlledStore<ManagerRecord>();
  const state = new ClusterState({ store, clock: new FakeClock(), log: pino({ level: 'silent' }) });
  const seen: Array<[string, string | undefined]> = [];
  state.onRecord((id, rec) => seen.push([id, rec?.state]));
  const events: unknown[] = [];
  state.events.subscribe((e) => events.push(e));
  return { store, state, seen, events, copy: recordCopy(state) };
}

const node = { id: 'n1', name: 'one', url: 'https://127.0.0.1:1', capacity: { cpu: 2, memoryBytes: 1, diskBytes: 1 } };

test('records copied in and deleted under their keys; the parts hear of each task; nothing written or published', async () => {
  const { store, state, seen, events, copy } = setup();
  const t = taskRecord('t1');
  copy.apply(`task/${t.submittedAt}/t1`, { kind: 'task', task: t });
  copy.apply('node/n1', { kind: 'node', node: { ...node, static: false, registeredAt: t.submittedAt } });
  copy.apply('service/web', {
    kind: 'service',
    service: { name: 'web', version: 1, lastVersion: 1, spec: { replicas: 2, task: { image: 'i' } } },
  });
  copy.apply('revoked/n9', { kind: 'revoked', revoked: { nodeId: 'n9', name: 'nine', revokedAt: 'x' } });
  copy.apply('issued/n8', { kind: 'issued', issued: { nodeId: 'n8', expiresAt: '2026-02-01T00:00:00.000Z' } });
  assert.equal(state.task('t1')?.request.id, 't1');
  assert.equal(state.nodes.get('n1')?.state, 'Unknown', 'liveness is the leader’s: a copied node is Unknown');
  assert.equal(state.nodeName('n1'), 'one');
  assert.ok(state.services.has('web'));
  assert.ok(state.revoked.has('n9'));
  assert.equal(state.issued.get('n8')?.expiresAt, '2026-02-01T00:00:00.000Z');
  assert.deepEqual(seen, [['t1', 'Pending']]);
  // deletions, by key alone
  copy.apply(`task/${t.submittedAt}/t1`, undefined);
  copy.apply('service/web', undefined);
  copy.apply('node/n1', undefined);
  copy.apply('issued/n8', undefined);
  assert.equal(state.task('t1'), undefined);
  assert.equal(state.issued.has('n8'), false);
  assert.ok(!state.services.has('web') && !state.nodes.has('n1'));
  assert.deepEqual(seen.at(-1), ['t1', undefined]);
  // a record the parts could not use is left out, and what is set aside is not a record
  copy.apply('task/x/t2', { kind: 'task', task: { state: 'Running' } });
  copy.apply('set-aside/task/x/t3', { kind: 'task', task: taskRecord('t3') });
  assert.equal(state.task('t2'), undefined);
  assert.deepEqual(await store.list(''), [], 'a copy writes nothing');
  assert.deepEqual(events, [], 'and publishes nothing: the leader does');
});

test('clear forgets the copy, telling the parts each task is gone; load() starts from the store alone', async () => {
  const { store, state, seen, copy } = setup();
  const stored = taskRecord('kept');
  await store.put(`task/${stored.submittedAt}/kept`, { kind: 'task', task: stored });
  const t = taskRecord('copied');
  copy.apply(`task/${t.submittedAt}/copied`, { kind: 'task', task: t });
  copy.clear();
  assert.equal(state.task('copied'), undefined);
  assert.deepEqual(seen.at(-1), ['copied', undefined]);
  copy.apply(`task/${t.submittedAt}/copied`, { kind: 'task', task: t });
  await state.load(); // a follower elected: what the store holds, not what the copy had
  assert.deepEqual([...state.tasks.keys()], ['kept']);
});
