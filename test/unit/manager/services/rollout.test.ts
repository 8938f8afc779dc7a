import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_HEALTH, type TaskRecord } from '../../../../src/manager/records.js';
import { decideService, REPLACE_DELAY_MS } from '../../../../src/manager/services/decide.js';
import { newRollout, type ServiceRecord } from '../../../../src/manager/services/service-record.js';
import { toUpdateView } from '../../../../src/manager/services/service-view.js';
import { iso, rollingService, slotTask, T0 } from './rollout-service.js';

// The service orchestrator's decisions (slots and rollouts) with plain records and a clock that
// is a number: what a step creates, stops and writes, and when it wants to look again.

function service(update: Record<string, unknown> = {}, replicas = 4): ServiceRecord {
  return rollingService(update, replicas);
}

const task = slotTask;

const ids = (ts: TaskRecord[]): string[] => ts.map((t) => t.request.id);
const readyAt = (ts: TaskRecord[], ms: number): Map<string, number> => new Map(ts.map((t) => [t.request.id, ms]));

test('start-first, parallelism 2: the first two slots get a new task; nothing stops yet', () => {
  const olds = [1, 2, 3, 4].map((s) => task(s, 1));
  const d = decideService(service({ parallelism: 2 }), olds, readyAt(olds, T0 - 60_000), T0, iso(T0));
  assert.deepEqual(d.create, [1, 2]);
  assert.deepEqual(d.stop, []);
  assert.equal(d.wakeAtMs, T0 + 600_000, 'the deadline');
});

test('a new task once ready is done at once: the old task of its slot stops and the next slots start, its monitor window still watched', () => {
  const olds = [1, 2, 3, 4].map((s) => task(s, 1));
  const news = [task(1, 2), task(2, 2)];
  const ready = new Map([...readyAt(olds, T0 - 60_000), ...readyAt(news, T0 + 500)]);
  const d = decideService(service({ parallelism: 2 }), [...olds, ...news], ready, T0 + 700, iso(T0 + 700));
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    ids(olds.slice(0, 2)),
  );
  assert.deepEqual(d.create, [3, 4]);
  assert.deepEqual(d.record?.update?.done, [1, 2]);
  assert.deepEqual(d.record?.update?.monitoring, [
    { slot: 1, taskId: news[0]?.request.id, readyAtMs: T0 + 500 },
    { slot: 2, taskId: news[1]?.request.id, readyAtMs: T0 + 500 },
  ]);
  assert.equal(d.wakeAtMs, T0 + 1500, 'when their monitor windows end');
});

test('a new task not ready yet keeps its slot in progress, and its old task serving', () => {
  const olds = [1, 2, 3, 4].map((s) => task(s, 1));
  const news = [task(1, 2), task(2, 2)];
  const d = decideService(
    service({ parallelism: 2 }),
    [...olds, ...news],
    readyAt(olds, T0 - 1),
    T0 + 700,
    iso(T0 + 700),
  );
  assert.deepEqual(d.create, []);
  assert.deepEqual(d.stop, []);
  assert.equal(d.record, null, 'nothing to write');
});

test('a new task that fails within its monitor window counts, though later slots started: rolled back', () => {
  const svc = service({ parallelism: 1 }, 2);
  const olds = [task(1, 1), task(2, 1)];
  const first = task(1, 2);
  const ready = new Map([...readyAt(olds, T0 - 1), [first.request.id, T0 + 100]]);
  const d = decideService(svc, [...olds, first], ready, T0 + 200, iso(T0 + 200));
  assert.deepEqual(d.create, [2], 'slot 1 done: slot 2 starts');
  const moving = d.record as ServiceRecord;
  const died = { ...first, state: 'Failed' as const, restartAt: T0 + 5000, updatedAt: iso(T0 + 900) };
  const second = task(2, 2, 'Scheduled');
  const after = decideService(moving, [olds[1] as TaskRecord, died, second], ready, T0 + 950, iso(T0 + 950));
  assert.equal(after.record?.update?.kind, 'rollback');
  assert.match(after.record?.update?.reason ?? '', /^replica 1 of version 2 failed/);
});

test("after its monitor window a new task that fails is its restart policy's: the update goes on and completes", () => {
  const svc = service({ parallelism: 1 }, 2);
  const olds = [task(1, 1), task(2, 1)];
  const first = task(1, 2);
  const ready = new Map([...readyAt(olds, T0 - 1), [first.request.id, T0 + 100]]);
  const moving = decideService(svc, [...olds, first], ready, T0 + 200, iso(T0 + 200)).record as ServiceRecord;
  const died = { ...first, state: 'Failed' as const, restartAt: T0 + 5000, updatedAt: iso(T0 + 1200) };
  const second = task(2, 2);
  ready.set(second.request.id, T0 + 1300);
  const d = decideService(moving, [olds[1] as TaskRecord, died, second], ready, T0 + 1300, iso(T0 + 1300));
  assert.equal(d.record?.update?.state, 'updating');
  assert.deepEqual(d.record?.update?.failed, []);
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    ids([olds[1] as TaskRecord]),
  );
  assert.equal(d.wakeAtMs, T0 + 2300, 'the last window');
  const end = decideService(d.record as ServiceRecord, [died, second], ready, T0 + 2300, iso(T0 + 2300));
  assert.equal(end.record?.update?.state, 'completed');
});

test('every slot moved: the update completes only once the last new tasks passed their monitor window', () => {
  const svc = service({ parallelism: 2 }, 2);
  const news = [task(1, 2), task(2, 2)];
  const ready = readyAt(news, T0 + 400);
  const d = decideService(svc, news, ready, T0 + 500, iso(T0 + 500));
  assert.equal(d.record?.update?.state, 'updating');
  assert.deepEqual(d.record?.update?.done, [1, 2]);
  assert.deepEqual(d.events, [], 'no progress event once the last slots moved: the next says how it ended');
  assert.equal(d.wakeAtMs, T0 + 1400);
  const end = decideService(d.record as ServiceRecord, news, ready, T0 + 1400, iso(T0 + 1400));
  assert.equal(end.record?.update?.state, 'completed');
  assert.equal(end.record?.update?.reason, 'all 2 replicas run version 2');
  assert.deepEqual(
    end.events.map((e) => [e.type, e.updated]),
    [['update.completed', 2]],
  );
  // one replica is not "all 1 replicas"
  const one = service({}, 1);
  const only = [task(1, 2)];
  const moved = decideService(one, only, readyAt(only, T0), T0 + 100, iso(T0 + 100)).record as ServiceRecord;
  const last = decideService(moved, only, readyAt(only, T0), T0 + 10_000, iso(T0 + 10_000));
  assert.equal(last.record?.update?.reason, 'its replica runs version 2');
});

test('once a new task stayed ready for monitor, the old task of its slot stops and the next slots start', () => {
  const olds = [1, 2, 3, 4].map((s) => task(s, 1));
  const news = [task(1, 2), task(2, 2)];
  const ready = new Map([...readyAt(olds, T0 - 60_000), ...readyAt(news, T0 + 500)]);
  const now = T0 + 1500;
  const d = decideService(service({ parallelism: 2 }), [...olds, ...news], ready, now, iso(now));
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    ids(olds.slice(0, 2)),
  );
  assert.deepEqual(d.create, [3, 4]);
  assert.deepEqual(d.record?.update?.done, [1, 2]);
  assert.deepEqual(
    d.events.map((e) => [e.type, e.updated, e.total]),
    [['update.progress', 2, 4]],
  );
});

test('delay: the next slot starts only `delay` after the last one finished', () => {
  const olds = [1, 2].map((s) => task(s, 1));
  const news = [task(1, 2)];
  const ready = new Map([...readyAt(olds, T0 - 60_000), ...readyAt(news, T0)]);
  const d = decideService(service({ delay: 5000 }, 2), [...olds, ...news], ready, T0 + 1000, iso(T0 + 1000));
  assert.deepEqual(d.create, [], 'slot 2 waits');
  assert.equal(d.wakeAtMs, T0 + 6000);
  const later = decideService(
    d.record ?? service(),
    [olds[1] as TaskRecord, ...news],
    ready,
    T0 + 6000,
    iso(T0 + 6000),
  );
  assert.deepEqual(later.create, [2]);
});

test('stop-first: the old task stops first, and its slot is filled only once it has ended', () => {
  const olds = [1, 2].map((s) => task(s, 1));
  const svc = service({ order: 'stop-first' }, 2);
  const d = decideService(svc, olds, readyAt(olds, T0 - 60_000), T0, iso(T0));
  assert.deepEqual(
    d.stop.map((s) => s.taskId),
    ids(olds.slice(0, 1)),
  );
  assert.deepEqual(d.create, []);
  const stopping = { ...(olds[0] as TaskRecord), desired: 'stopped' as const };
  const still = decideService(svc, [stopping, olds[1] as TaskRecord], new Map(), T0 + 100, iso(T0 + 100));
  assert.deepEqual(still.create, [], 'its container still runs');
  const ended = { ...stopping, state: 'Completed' as const };
  const next = decideService(svc, [ended, olds[1] as TaskRecord], new Map(), T0 + 200, iso(T0 + 200));
  assert.deepEqual(next.create, [1]);
});

test('a new task that fails (ratio 0) rolls the service back to the previous version, by the rollback block', () => {
  const olds = [1, 2].map((s) => task(s, 1));
  const bad = task(1, 2, 'Failed');
  const d = decideService(service({}, 2), [...olds, bad], readyAt(olds, T0 - 60_000), T0 + 3000, iso(T0 + 3000));
  assert.equal(d.record?.version, 1);
  assert.equal(d.record?.spec.task.image, 'img:1');
  assert.equal(d.record?.previous?.version, 2);
  assert.equal(d.record?.update?.toVersion, 1);
  // start-first: both slots still had their version 1 task, ready long since: back at once
  assert.equal(d.record?.update?.state, 'rolled_back');
  assert.equal(d.record?.update?.reason, 'back on version 1: replica 1 of version 2 failed: exited with code 1');
  assert.deepEqual(
    d.events.map((e) => e.type),
    ['update.started', 'update.rolled_back'],
  );
  assert.ok(
    d.stop.some((s) => s.taskId === bad.request.id),
    'the failed task is retired',
  );
});

test('a rollback moves the slots that run the failed version back, by the same rules', () => {
  const svc = service({}, 2);
  const moved = [task(1, 2), task(2, 2)];
  const bad = task(1, 2, 'Running', { health: { ...NO_HEALTH, status: 'unhealthy' } });
  const d = decideService(svc, [moved[1] as TaskRecord, bad], new Map(), T0 + 10, iso(T0 + 10));
  assert.equal(d.record?.update?.state, 'rolling_back');
  assert.deepEqual(d.create, [1], 'parallelism 1: slot 1 first');
});

test('maxFailureRatio: failures up to the ratio of replicas are tolerated; one more ends the update', () => {
  const olds = [1, 2, 3, 4].map((s) => task(s, 1));
  const svc = service({ maxFailureRatio: 0.5, failureAction: 'pause', parallelism: 4 });
  const two = [task(1, 2, 'Failed', { restartAt: T0 + 9000 }), task(2, 2, 'Failed', { restartAt: T0 + 9000 })];
  const d = decideService(svc, [...olds, ...two], readyAt(olds, T0 - 1), T0 + 10, iso(T0 + 10));
  assert.equal(d.record?.update?.state, 'updating');
  assert.equal(d.record?.update?.failed.length, 2);
  const three = [...two, task(3, 2, 'Running', { health: { ...NO_HEALTH, status: 'unhealthy' } })];
  const again = decideService(d.record ?? svc, [...olds, ...three], readyAt(olds, T0 - 1), T0 + 20, iso(T0 + 20));
  assert.equal(again.record?.update?.state, 'paused');
  assert.match(again.record?.update?.reason ?? '', /^replica 3 of version 2 failed/);
  assert.deepEqual(
    again.stop.map((s) => s.taskId).sort(),
    ids(three).sort(),
    'paused: slots between versions keep their old task',
  );
});

test('a replica that still runs unhealthy is named by its failed checks, not by its reason ("running")', () => {
  const olds = [task(1, 1)];
  const health = { status: 'unhealthy' as const, failures: 2, lastOutput: 'HTTP 404', lastCheckedAt: iso(T0) };
  const bad = task(1, 2, 'Running', { health, reason: 'running' });
  const d = decideService(service({}, 1), [...olds, bad], readyAt(olds, T0 - 1), T0 + 10, iso(T0 + 10));
  assert.match(
    d.record?.update?.reason ?? '',
    /replica 1 of version 2 failed: unhealthy: 2 failed checks in a row \(last: HTTP 404\)$/,
  );
  const long = { ...health, failures: 1, lastOutput: 'x'.repeat(5000) };
  const loud = task(1, 2, 'Running', { health: long });
  const e = decideService(service({}, 1), [...olds, loud], readyAt(olds, T0 - 1), T0 + 10, iso(T0 + 10));
  assert.match(e.record?.update?.reason ?? '', /: unhealthy: 1 failed check in a row \(last: x{200}…\)$/);
});

test('continue carries on past failures, but the deadline still ends the update: paused', () => {
  const olds = [task(1, 1)];
  const svc = service({ failureAction: 'continue', progressDeadline: 10_000 }, 1);
  const bad = task(1, 2, 'Failed', { restartAt: T0 + 500 });
  const d = decideService(svc, [...olds, bad], readyAt(olds, T0 - 1), T0 + 100, iso(T0 + 100));
  assert.equal(d.record?.update?.state, 'updating');
  const late = decideService(d.record ?? svc, [...olds, bad], readyAt(olds, T0 - 1), T0 + 10_000, iso(T0 + 10_000));
  assert.equal(late.record?.update?.state, 'paused');
  assert.match(late.record?.update?.reason ?? '', /progress deadline \(10s\)/);
  assert.equal(late.record?.update?.finishedAtMs, T0 + 10_000);
});

test('at its deadline an update rolls back; a rollback that fails pauses, never rolling back again', () => {
  const svc = service({ progressDeadline: 5000 }, 1);
  const stuck = task(1, 2); // not ready (no readySince): its monitor never starts
  const d = decideService(svc, [stuck], new Map(), T0 + 5000, iso(T0 + 5000));
  assert.equal(d.record?.update?.kind, 'rollback');
  assert.equal(d.record?.update?.state, 'rolling_back');
  assert.match(d.record?.update?.reason ?? '', /progress deadline \(5s\)/);
  assert.deepEqual(d.create, [1]);
  const rolling = d.record as ServiceRecord;
  // its reason says the restart planned then, which is not true for long: the rollout's reason leaves it out
  const reason = 'exited with code 1; restarting in 1s';
  const bad = task(1, 1, 'Failed', { updatedAt: iso(T0 + 6000), restartAt: T0 + 7000, reason });
  const failed = decideService(rolling, [stuck, bad], new Map(), T0 + 6000, iso(T0 + 6000));
  assert.equal(failed.record?.update?.state, 'rollback_paused');
  assert.equal(failed.record?.update?.kind, 'rollback');
  assert.equal(failed.record?.version, 1, 'still the version it rolled back to');
  assert.deepEqual(
    failed.events.map((e) => [e.type, e.state]),
    [['update.paused', 'rollback_paused']],
  );
  // the rollback's own failure, not the update's deadline that started it
  assert.equal(failed.record?.update?.reason, 'replica 1 of version 1 failed: exited with code 1');
  assert.equal(failed.events[0]?.reason, 'replica 1 of version 1 failed: exited with code 1');
  assert.deepEqual(
    failed.stop.map((s) => s.reason),
    ['rollback paused: replica 1 of version 1 failed: exited with code 1'],
    'the new task that did not make it says the rollback paused',
  );
});

test('a rollback stored as paused before rollback_paused had its name is shown as rollback_paused', () => {
  const svc = service({}, 1);
  const old = { ...newRollout('rollback', 2, 1, svc.spec.rollback, T0, 'x'), state: 'paused' as const };
  assert.equal(toUpdateView(old, 1, 'web').state, 'rollback_paused');
  assert.equal(toUpdateView({ ...old, kind: 'update' }, 1, 'web').state, 'paused');
});

test('an update of a service with no previous version that fails pauses, saying so', () => {
  const svc = { ...service({}, 1), previous: null };
  const d = decideService(svc, [task(1, 2, 'Failed')], new Map(), T0 + 10, iso(T0 + 10));
  assert.equal(d.record?.update?.state, 'paused');
  assert.match(d.record?.update?.reason ?? '', /no previous version/);
});

test('scaling down during an update: the slots above go, and the update completes over the slots left', () => {
  const svc = service({}, 4);
  const scaled = { ...svc, spec: { ...svc.spec, replicas: 2 } };
  const tasks = [task(1, 2), task(2, 2), task(3, 1), task(4, 1)];
  const d = decideService(scaled, tasks, readyAt(tasks, T0), T0 + 1000, iso(T0 + 1000));
  assert.deepEqual(
    d.stop.map((s) => [s.taskId, s.reason]),
    [
      [tasks[3]?.request.id, 'scaled down to 2'],
      [tasks[2]?.request.id, 'scaled down to 2'],
    ],
    'highest slot first',
  );
  assert.equal(d.record?.update?.state, 'completed');
  assert.deepEqual(
    d.events.map((e) => [e.type, e.total]),
    [['update.completed', 2]],
  );
});

test('with no rollout: an empty slot gets a task, a given-up one is replaced after a pause, a lost one is left to be placed', () => {
  const svc = { ...service({}, 3), update: null };
  const gaveUp = task(1, 2, 'Failed', { finishedAt: iso(T0) });
  const lost = task(2, 2, 'Pending', { nodeId: null });
  const d = decideService(svc, [gaveUp, lost], new Map(), T0 + 100, iso(T0 + 100));
  assert.deepEqual(d.create, [3]);
  assert.deepEqual(d.stop, []);
  assert.equal(d.wakeAtMs, T0 + REPLACE_DELAY_MS);
  const later = decideService(svc, [gaveUp, lost], new Map(), T0 + REPLACE_DELAY_MS, iso(T0 + REPLACE_DELAY_MS));
  assert.deepEqual(later.create, [1, 3]);
  assert.deepEqual(
    later.stop.map((s) => s.taskId),
    [gaveUp.request.id],
  );
  assert.equal(later.record, null);
});
