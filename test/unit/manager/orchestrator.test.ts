import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, uuid, W1 } from './manager-harness.js';
import { managerOver, parts, stopParts } from './parts-fixture.js';
import { on } from './records-fixture.js';

const W1_URL = 'http://w1.test:7070';

test('a pass writes its placements in one commit, and dispatches only once they are durable', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  p.store.hold();
  const before = p.store.batches;
  const submitted = Promise.all([manager.submit(request(uuid('a'))), manager.submit(request(uuid('b')))]);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(p.store.batches, before + 1, 'both submissions and their placements in one write');
  assert.equal(p.calls.get(W1_URL), undefined, 'nothing dispatched before the write');
  p.store.release();
  const views = await submitted;
  assert.deepEqual(
    views.map((v) => v.state),
    ['Scheduled', 'Scheduled'],
  );
  await p.settle();
  assert.deepEqual(p.calls.get(W1_URL), [`start ${uuid('a')} g1`, `start ${uuid('b')} g1`]);
});

test('when a pass cannot write, its submissions fail, nothing is placed or dispatched, and the tasks never existed', async (t) => {
  const p = await parts({ nodes: [W1] });
  const manager = managerOver(t, p);
  p.store.failNext(new Error('disk full'));
  await assert.rejects(manager.submit(request(uuid('a'))), /disk full/);
  await p.settle();
  assert.equal(p.state.task(uuid('a')), undefined);
  assert.throws(() => manager.getTask(uuid('a')), { code: 'task_not_found' });
  assert.equal(p.calls.get(W1_URL), undefined);
  assert.equal(p.placer.pool.of(W1.id).count, 0, 'the placement charged nothing for good');
});

test('changes that arrive during a pass are decided together by one more pass', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  p.workers.answer = 'unreachable'; // no answers, so no reports start passes of their own
  await p.put(on('a', 'Failed', W1.id, 1, { restartAt: 0 }), on('b', 'Failed', W1.id, 1, { restartAt: 0 }));
  const plan = p.planner.plan.bind(p.planner);
  let passes = 0;
  p.planner.plan = (actions, fresh) => {
    passes += 1;
    return plan(actions, fresh);
  };
  p.store.hold();
  p.orchestrator.changed(['a']);
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(passes, 1);
  for (let i = 0; i < 10; i++) p.orchestrator.changed(['b']);
  p.store.release();
  await p.settle();
  assert.equal(passes, 2, 'ten kicks during the pass: one more pass');
  assert.deepEqual([p.state.task('a')?.state, p.state.task('b')?.state], ['Scheduled', 'Scheduled']);
});

test('a task marked nowhere is still decided by the sweep, the safety net', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('a', 'Failed', W1.id, 1, { restartAt: 0 })); // written behind the loop's back: nobody kicked
  await p.settle();
  assert.equal(p.state.task('a')?.state, 'Failed');
  p.fakeClock.advance(60_000);
  p.nodes.beat(W1.id, { metrics: { cpuUsage: 0, load1: 0, memoryAvailableBytes: 1, diskFreeBytes: 1 }, tasks: [] });
  await p.settle();
  assert.equal(p.state.task('a')?.generation, 2, 'restarted by the sweep');
});

test('after stop() no pass runs and no wake-up fires', async (t) => {
  const p = await parts({ nodes: [W1] });
  t.after(() => stopParts(p));
  await p.put(on('a', 'Failed', W1.id, 1, { restartAt: p.fakeClock.now() + 1_000 }));
  p.orchestrator.changed(['a']);
  await p.settle();
  await stopParts(p);
  const writes = p.store.batches;
  p.fakeClock.advance(120_000);
  p.orchestrator.changed(['a']);
  await p.settle();
  assert.equal(p.store.batches, writes);
  assert.equal(p.state.task('a')?.state, 'Failed');
});
