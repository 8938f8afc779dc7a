import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskRequest } from '../../helpers/task-request.js';
import { GiB, W1, W2 } from './manager-harness.js';
import { parts, stopParts, type Parts } from './parts-fixture.js';
import { on, taskRecord } from './records-fixture.js';

// The planner turns actions into records and calls; the loop is stopped so only the test plans.
async function idleParts(nodes = [W1, W2]): Promise<Parts> {
  const p = await parts({ nodes });
  await p.orchestrator.stop();
  return p;
}

test('pending tasks are placed in submission order, each seeing what the ones before it took', async (t) => {
  const p = await idleParts();
  t.after(() => stopParts(p));
  const big = (id: string, at: string) =>
    taskRecord(id, { request: taskRequest(id, { memoryBytes: 16 * GiB }), submittedAt: at });
  await p.put(
    big('late', '2025-01-01T00:00:03.000Z'),
    big('early', '2025-01-01T00:00:01.000Z'),
    big('mid', '2025-01-01T00:00:02.000Z'),
  );
  const plan = p.planner.plan(
    ['late', 'early', 'mid'].map((taskId) => ({ kind: 'place', taskId })),
    [],
  );
  const out = ['early', 'mid', 'late'].map((id) => plan.changes.records.get(id));
  assert.deepEqual(
    out.map((r) => r?.state),
    ['Scheduled', 'Scheduled', 'Pending'],
  );
  assert.notEqual(out[0]?.nodeId, out[1]?.nodeId, 'the second saw the first node full');
  assert.match(out[2]?.reason ?? '', /^0\/2 nodes can run/);
  assert.equal(p.state.task('early')?.state, 'Pending', 'nothing changes until the plan is written');
});

test('a task on a lost node waits on no node and is placed again in the same plan, with a higher generation', async (t) => {
  const p = await idleParts();
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1));
  const plan = p.planner.plan([{ kind: 'mark-lost', taskId: 't1', nodeId: W1.id }], []);
  const rec = plan.changes.records.get('t1');
  assert.equal(rec?.state, 'Scheduled');
  assert.equal(rec?.generation, 2);
  assert.equal(plan.changes.events.map((e) => e.type).join(), 'task.lost,task.scheduled');
});

test("a global service's replica on a lost node says it waits for that node, not that it is rescheduled", async (t) => {
  const p = await idleParts();
  t.after(() => stopParts(p));
  await p.put(on('g1', 'Running', W1.id, 1, { request: taskRequest('g1', { pinnedNodeId: W1.id }) }));
  const plan = p.planner.plan([{ kind: 'mark-lost', taskId: 'g1', nodeId: W1.id }], []);
  const lost = plan.changes.events.find((e) => e.type === 'task.lost');
  assert.match(lost?.reason ?? '', /^node \S+ is down; waiting for it \(this replica runs only there\)$/);
});

test('a task on a node removed from the cluster says the node was removed, not that it is down', async (t) => {
  const p = await idleParts();
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1));
  const at = '2025-01-01T00:00:00.000Z';
  await p.state.removeNode(W1.id, [{ nodeId: W1.id, name: 'w1', revokedAt: at, certsExpireAt: at }]);
  const plan = p.planner.plan([{ kind: 'mark-lost', taskId: 't1', nodeId: W1.id }], []);
  const lost = plan.changes.events.find((e) => e.type === 'task.lost');
  assert.equal(lost?.reason, 'node w1 was removed from the cluster; rescheduling');
});

test('a restart goes back to its node; with no room anywhere it waits a second and says why', async (t) => {
  const p = await idleParts([W1]);
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Failed', W1.id, 1, { restartAt: 0 }));
  const plan = p.planner.plan([{ kind: 'restart', taskId: 't1', preferNodeId: W1.id }], []);
  assert.deepEqual(
    [plan.changes.records.get('t1')?.state, plan.changes.records.get('t1')?.nodeId],
    ['Scheduled', W1.id],
  );
  const huge = on('t2', 'Failed', W1.id, 1, { request: taskRequest('t2', { memoryBytes: 64 * GiB }), restartAt: 0 });
  await p.put(huge);
  const waiting = p.planner.plan([{ kind: 'restart', taskId: 't2', preferNodeId: W1.id }], []);
  const rec = waiting.changes.records.get('t2');
  assert.equal(rec?.state, 'Failed');
  assert.equal(rec?.restartAt, p.fakeClock.now() + 1_000);
  assert.match(rec?.reason ?? '', /^restart waiting: /);
  assert.deepEqual(waiting.wakes, [{ taskId: 't2', atMs: p.fakeClock.now() + 1_000 }]);
});

test('stops, redispatches and wake-ups are carried out after the write; a cancel completes the task', async (t) => {
  const p = await idleParts();
  t.after(() => stopParts(p));
  await p.put(on('a', 'Running', W1.id, 1), on('b', 'Scheduled', W2.id, 1), taskRecord('c'));
  const plan = p.planner.plan(
    [
      { kind: 'stop', taskId: 'a', nodeId: W1.id },
      { kind: 'dispatch', taskId: 'b', nodeId: W2.id },
      { kind: 'cancel', taskId: 'c' },
      { kind: 'wake-at', taskId: 'a', atMs: 5 },
    ],
    [],
  );
  assert.deepEqual(plan.stops, [{ taskId: 'a', nodeId: W1.id }]);
  assert.deepEqual([...plan.redispatch], ['b']);
  assert.deepEqual(plan.wakes, [{ taskId: 'a', atMs: 5 }]);
  assert.deepEqual([...plan.changes.records.keys()], ['c']);
  assert.equal(plan.changes.records.get('c')?.reason, 'stopped on request');
});

test('a fresh submission is written once, placed or not, and announced before its placement or its wait', async (t) => {
  const p = await idleParts([]);
  t.after(() => stopParts(p));
  p.state.stage(taskRecord('t1'));
  const plan = p.planner.plan([{ kind: 'place', taskId: 't1' }], ['t1']);
  assert.equal(plan.changes.records.get('t1')?.state, 'Pending');
  assert.match(plan.changes.records.get('t1')?.reason ?? '', /^0\/0 nodes|no node/);
  assert.deepEqual(
    plan.changes.events.map((e) => e.type),
    ['task.submitted', 'task.waiting'],
  );
});

test('a waiting task is announced once each time why it waits changes, not on every pass', async (t) => {
  const p = await idleParts([]);
  t.after(() => stopParts(p));
  p.state.stage(taskRecord('t1'));
  await p.state.commit(p.planner.plan([{ kind: 'place', taskId: 't1' }], ['t1']).changes);
  const again = p.planner.plan([{ kind: 'place', taskId: 't1' }], []);
  assert.deepEqual(again.changes.events, []);
});
