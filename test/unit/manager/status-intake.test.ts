import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskRequest } from '../../helpers/task-request.js';
import { failed, report, W1, W2 } from './manager-harness.js';
import { parts, stopParts } from './parts-fixture.js';
import { on } from './records-fixture.js';

test('a report from the owner at the current generation is applied and durable', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Scheduled', W1.id, 2));
  await p.intake.apply(W1.id, [report('t1', 2, 'Running')], false);
  assert.equal(p.state.durable('t1')?.state, 'Running');
  assert.equal(p.state.durable('t1')?.containerId, 'ctr-t1-g2');
  assert.ok(p.events.some((e) => e.type === 'task.started' && e.taskId === 't1'));
});

test('a start and its first health verdict in one report are said in that order', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Scheduled', W1.id, 1));
  const healthy = { status: 'healthy' as const, failures: 0, lastOutput: 'ok', lastCheckedAt: null };
  await p.intake.apply(W1.id, [report('t1', 1, 'Running', { health: healthy })], false);
  assert.deepEqual(
    p.events.filter((e) => e.taskId === 't1').map((e) => e.type),
    ['task.started', 'task.healthy'],
  );
});

test('a report from a node that does not own the task, or of an older generation, changes nothing and stops that copy', async (t) => {
  const p = await parts({ nodes: [W1, W2] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 3));
  const writes = p.store.batches;
  await p.intake.apply(W2.id, [report('t1', 3, 'Running')], false);
  await p.intake.apply(W1.id, [report('t1', 2, 'Failed', { exitCode: 1 })], false);
  await p.intake.apply(W1.id, [report('t1', 2, 'Running')], false);
  await p.intake.apply(W2.id, [report('unknown-task', 1, 'Running')], false);
  await p.settle();
  assert.equal(p.store.batches, writes, 'nothing written');
  assert.equal(p.state.task('t1')?.state, 'Running');
  assert.equal(p.state.task('t1')?.nodeId, W1.id);
  assert.deepEqual(p.calls.get('http://w2.test:7070'), ['stop t1 g3', 'stop unknown-task g1']);
  assert.deepEqual(p.calls.get('http://w1.test:7070'), ['stop t1 g2'], 'the failed old copy is not active: no stop');
});

test('an out-of-order report is ignored without a write', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(
    on('t1', 'Completed', W1.id, 1, {
      request: taskRequest('t1', {
        restartPolicy: { mode: 'never', maxRestarts: 0, backoffInitialMs: 1, backoffMaxMs: 1, resetAfterMs: 1 },
      }),
    }),
  );
  const writes = p.store.batches;
  await p.intake.apply(W1.id, [report('t1', 1, 'Running')], false);
  assert.equal(p.store.batches, writes);
  assert.equal(p.state.task('t1')?.state, 'Completed');
});

test('a task that fails gets its restart planned in the same write, and the events follow the write', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1));
  p.store.hold();
  const applying = p.intake.apply(W1.id, [failed('t1')], false);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(p.events.filter((e) => e.taskId === 't1').length, 0, 'no event before the write');
  p.store.release();
  await applying;
  const rec = p.state.durable('t1');
  assert.equal(rec?.state, 'Failed');
  assert.equal(rec?.restartAt, p.fakeClock.now() + 500);
  assert.deepEqual(
    p.events.filter((e) => e.taskId === 't1').map((e) => e.type),
    ['task.exited', 'task.restarting'],
  );
});

test('a worker that lists everything it holds and lacks a Running task has lost it: the task waits for a new node', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Running', W1.id, 1), on('t2', 'Running', W1.id, 1));
  p.supervisor.cancelAll(); // keep the loop from placing it again, to look at the lost record
  await p.orchestrator.stop();
  await p.intake.apply(W1.id, [report('t2', 1, 'Running')], true);
  assert.equal(p.state.durable('t1')?.state, 'Pending');
  assert.equal(p.state.durable('t1')?.reason, 'worker w1 no longer has this task; rescheduling');
  assert.equal(p.state.durable('t2')?.state, 'Running');
});

test('a refusal fails the task only while that placement is current; a stop that finds it gone completes it', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Scheduled', W1.id, 2), on('t2', 'Running', W1.id, 1));
  await p.intake.refused(W1.id, 't1', 1, 'no such image');
  assert.equal(p.state.task('t1')?.state, 'Scheduled', 'an older placement was refused');
  await p.intake.refused(W1.id, 't1', 2, 'no such image');
  assert.equal(p.state.durable('t1')?.state, 'Failed');
  assert.equal(p.state.durable('t1')?.reason, 'worker w1 refused the task: no such image');
  await p.intake.gone('t2');
  assert.equal(p.state.durable('t2')?.state, 'Completed');
  assert.equal(p.state.durable('t2')?.reason, 'stopped on request');
});

test('a task that started and ended between two reports gets task.started, at its start, then task.exited; never twice', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  const never = { mode: 'never', maxRestarts: 0, backoffInitialMs: 1, backoffMaxMs: 1, resetAfterMs: 1 } as const;
  await p.put(
    on('quick', 'Scheduled', W1.id, 1, { request: taskRequest('quick', { restartPolicy: never }) }),
    on('seen', 'Scheduled', W1.id, 1, { request: taskRequest('seen', { restartPolicy: never }) }),
  );
  const startedAt = '2026-12-05T10:00:01.000Z';
  const ended = { exitCode: 0, reason: 'exited with code 0', startedAt, finishedAt: '2026-12-05T10:00:01.500Z' };
  // one report jumps Scheduled → Completed: it did start
  await p.intake.apply(W1.id, [report('quick', 1, 'Completed', ended)], false);
  // the other was seen Running, then ended: its start was said when it was seen
  await p.intake.apply(W1.id, [report('seen', 1, 'Running', { startedAt })], false);
  await p.intake.apply(W1.id, [report('seen', 1, 'Completed', ended)], false);
  // the ended copy reported again: nothing new
  await p.intake.apply(W1.id, [report('quick', 1, 'Completed', ended)], false);
  await p.settle();
  const of = (id: string): Array<[string, string]> =>
    p.events.filter((e) => e.taskId === id).map((e) => [e.type, e.type === 'task.started' ? e.time : '']);
  assert.deepEqual(of('quick'), [
    ['task.started', startedAt],
    ['task.exited', ''],
  ]);
  assert.deepEqual(
    of('seen').map(([type]) => type),
    ['task.started', 'task.exited'],
  );
  assert.equal(p.state.durable('quick')?.state, 'Completed');
});

test('a task that ended without ever starting (refused by the engine) gets no task.started', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('t1', 'Scheduled', W1.id, 1));
  await p.intake.apply(W1.id, [failed('t1', { reason: 'no such image' })], false);
  await p.settle();
  assert.deepEqual(
    p.events.filter((e) => e.taskId === 't1').map((e) => e.type),
    ['task.exited', 'task.restarting'],
  );
});

test('a volume is recorded for a task reported started, not again for an ended task a restarted worker lists', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  const never = { mode: 'never' as const, maxRestarts: 0, backoffInitialMs: 1, backoffMaxMs: 1, resetAfterMs: 1 };
  const mounting = (id: string, volume: string) =>
    taskRequest(id, { restartPolicy: never, volumes: [{ kind: 'volume', name: volume, path: '/d', readOnly: false }] });
  const at = '2026-12-07T04:00:00.000Z';
  // a quick task, reported only once it ended: its volume is where it ran
  await p.put(on('t1', 'Scheduled', W1.id, 1, { request: mounting('t1', 'quick') }));
  await p.intake.apply(W1.id, [report('t1', 1, 'Completed', { exitCode: 0, startedAt: at, finishedAt: at })], false);
  assert.deepEqual([...p.state.volumes.keys()], ['quick']);
  // a task that ended long ago, whose volume was removed since (volume rm): the worker's full list
  // after its restart names it again, ended as it was; the volume is not there to record
  await p.put(on('t2', 'Completed', W1.id, 1, { request: mounting('t2', 'gone'), startedAt: at, finishedAt: at }));
  await p.intake.apply(W1.id, [report('t2', 1, 'Completed', { exitCode: 0, startedAt: at, finishedAt: at })], true);
  assert.deepEqual([...p.state.volumes.keys()], ['quick']);
});
