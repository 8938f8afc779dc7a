import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskState } from '../../../../src/task/index.js';
import type { TaskRecord } from '../../../../src/manager/records.js';
import { decideService } from '../../../../src/manager/services/decide.js';
import type { RoomHeldByOld } from '../../../../src/manager/services/rollout.js';
import { newRollout, type ServiceRecord } from '../../../../src/manager/services/service-record.js';
import { toUpdateView } from '../../../../src/manager/services/service-view.js';
import { iso, rollingService, slotTask, T0 } from './rollout-service.js';

// A start-first rollout whose new replica has no room while the old one of its slot holds it:
// that slot goes stop-first, said once. The clock is a number; whether the old replicas hold the
// room is the injected answer of the placer (Placer.roomHeldBy, tested in cluster-pool-room).

const NOTE = 'web-1 updated stop-first: no node has room for both versions';

function service(update: Record<string, unknown> = {}, replicas = 1): ServiceRecord {
  return rollingService(update, replicas);
}

/** A replica; a Pending one has no node or container yet, and waits for memory. */
function task(slot: number, version: number, state: TaskState = 'Running', fields: Partial<TaskRecord> = {}) {
  const pending: Partial<TaskRecord> =
    state === 'Pending'
      ? { nodeId: null, containerId: null, reason: '0/1 nodes can run web-1: 1 not enough free memory' }
      : {};
  return slotTask(slot, version, state, { ...pending, ...fields });
}

/** The placer's answer: the olds hold the room (`held`), and what it was asked. */
function room(held: boolean): {
  ask: RoomHeldByOld;
  asked: Array<{ pending: string; olds: string[]; leaving: string[] }>;
} {
  const asked: Array<{ pending: string; olds: string[]; leaving: string[] }> = [];
  const ask: RoomHeldByOld = (pending, olds, leaving) => {
    asked.push({
      pending: pending.request.id,
      olds: olds.map((o) => o.request.id),
      leaving: leaving.map((o) => o.request.id),
    });
    return held;
  };
  return { ask, asked };
}

const step = (svc: ServiceRecord, tasks: TaskRecord[], atMs: number, ask: RoomHeldByOld, ready = new Map()) =>
  decideService(svc, tasks, ready, atMs, iso(atMs), undefined, undefined, ask);

test('start-first with no room for both versions: the old replica stops first, and the rollout says so once', () => {
  const svc = service();
  const old = task(1, 1);
  const pending = task(1, 2, 'Pending');
  const { ask, asked } = room(true);
  const d = step(svc, [old, pending], T0 + 500, ask, new Map([[old.request.id, T0 - 1]]));
  assert.deepEqual(asked, [{ pending: pending.request.id, olds: [old.request.id], leaving: [] }]);
  assert.deepEqual(d.stop, [
    { taskId: old.request.id, reason: 'stopped first for version 2: no node has room for both versions' },
  ]);
  assert.deepEqual(d.create, [], 'the new replica is there already: it is placed once the old one ended');
  assert.deepEqual(d.record?.update?.stoppedFirst, [1]);
  assert.equal(d.record?.update?.state, 'updating');
  assert.deepEqual(
    d.events.map((e) => [e.type, e.note]),
    [['update.progress', NOTE]],
  );
  const view = toUpdateView(d.record?.update ?? assert.fail('no record'), 1, 'web');
  assert.equal(view.reason, `new version; ${NOTE}`);

  // the next look: the old replica is on its way out (then gone), the new one still waits; nothing more is said
  const moved = d.record ?? svc;
  const leaving = { ...old, desired: 'stopped' as const };
  for (const tasks of [[leaving, pending], [pending]]) {
    const again = step(moved, tasks, T0 + 900, room(true).ask);
    assert.deepEqual(again.stop, []);
    assert.deepEqual(again.create, []);
    assert.deepEqual(again.events, []);
    assert.equal(again.record, null, 'nothing to write');
  }

  // placed and ready: the slot is done, and the update completes with the note kept
  const running = { ...pending, state: 'Running' as const, nodeId: 'n1' };
  const done = step(moved, [running], T0 + 2_000, room(true).ask, new Map([[running.request.id, T0 + 1_500]]));
  const ended = step(
    done.record ?? moved,
    [running],
    T0 + 3_000,
    room(true).ask,
    new Map([[running.request.id, T0 + 1_500]]),
  );
  assert.equal(ended.record?.update?.state, 'completed');
  const endedView = toUpdateView(ended.record?.update ?? assert.fail('no record'), 1, 'web');
  assert.equal(endedView.reason, `its replica runs version 2; ${NOTE}`);
});

test('a new replica waiting for room the old one does not hold keeps start-first: the old one serves until the deadline', () => {
  const svc = service();
  const old = task(1, 1);
  const pending = task(1, 2, 'Pending');
  const d = step(svc, [old, pending], T0 + 500, room(false).ask);
  assert.deepEqual(d.stop, []);
  assert.deepEqual(d.events, []);
  assert.equal(d.wakeAtMs, T0 + 600_000, 'the deadline');
});

test('only a new replica that is not placed is asked about: one placed and starting is waited for', () => {
  const svc = service();
  const old = task(1, 1);
  for (const state of ['Scheduled', 'Running'] as const) {
    const { ask, asked } = room(true);
    const d = step(svc, [old, task(1, 2, state)], T0 + 500, ask);
    assert.deepEqual(asked, [], state);
    assert.deepEqual(d.stop, [], state);
  }
});

test('stop-first never asks: its old replicas stop first anyway', () => {
  const svc = service({ order: 'stop-first' });
  const { ask, asked } = room(true);
  const d = step(svc, [task(1, 1)], T0 + 500, ask);
  assert.deepEqual(asked, []);
  assert.equal(d.stop.length, 1);
  assert.match(d.stop[0]?.reason ?? '', /^stopped first for version 2$/);
  assert.deepEqual(d.events, []);
});

test('parallelism 1 of 3: only the slot in progress goes stop-first, so never fewer replicas than stop-first keeps', () => {
  const svc = service({ parallelism: 1 }, 3);
  const olds = [1, 2, 3].map((s) => task(s, 1));
  const pending = task(1, 2, 'Pending');
  const { ask, asked } = room(true);
  const d = step(svc, [...olds, pending], T0 + 500, ask);
  assert.equal(asked.length, 1, 'asked about slot 1 alone');
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    [olds[0]?.request.id],
  );
  assert.deepEqual(d.create, [], 'slot 2 waits for slot 1');
  assert.deepEqual(d.record?.update?.stoppedFirst, [1]);

  // slot 1 done; slot 2 starts start-first again, and goes stop-first only when it too finds no room
  const running = { ...pending, state: 'Running' as const, nodeId: 'n1' };
  const next = step(
    d.record ?? svc,
    [olds[1], olds[2], running].filter((t) => t !== undefined),
    T0 + 2_000,
    room(true).ask,
    new Map([[running.request.id, T0 + 1_900]]),
  );
  assert.deepEqual(next.create, [2]);
  assert.deepEqual(next.stop, []);
  const second = task(2, 2, 'Pending');
  const { ask: askThen, asked: askedThen } = room(true);
  const leaving = { ...(olds[0] ?? assert.fail()), desired: 'stopped' as const }; // slot 1's old, still stopping
  const then = step(
    next.record ?? svc,
    [leaving, olds[1], olds[2], running, second].filter((t) => t !== undefined),
    T0 + 2_100,
    askThen,
    new Map([[running.request.id, T0 + 1_900]]),
  );
  // what is still stopping is named, so room it gives back is waited for rather than stopping another
  assert.deepEqual(
    askedThen.map((a) => a.leaving),
    [[leaving.request.id]],
  );
  assert.deepEqual(then.record?.update?.stoppedFirst, [1, 2]);
  assert.deepEqual(
    then.events.map((e) => e.note),
    ['web-2 updated stop-first: no node has room for both versions'],
  );
});

test('a rollback start-first with no room for both versions goes stop-first too, and says it rolled back so', () => {
  const svc = service();
  const back: ServiceRecord = {
    ...svc,
    version: 1,
    update: newRollout('rollback', 2, 1, svc.spec.rollback, T0, 'replica 1 of version 2 failed: exited with code 1'),
  };
  const current = task(1, 2);
  const pending = task(1, 1, 'Pending');
  const d = step(back, [current, pending], T0 + 500, room(true).ask);
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    [current.request.id],
  );
  assert.deepEqual(
    d.events.map((e) => e.note),
    ['web-1 rolled back stop-first: no node has room for both versions'],
  );
});
