import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartSupervisor } from '../../../src/manager/restart-supervisor.js';
import type { RestartPolicy } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';
import { on } from './records-fixture.js';

const POLICY: RestartPolicy = {
  mode: 'on-failure',
  maxRestarts: 3,
  backoffInitialMs: 500,
  backoffMaxMs: 4_000,
  resetAfterMs: 60_000,
};

function setup(): { sup: RestartSupervisor; clock: FakeClock; due: string[] } {
  const clock = new FakeClock();
  const due: string[] = [];
  const sup = new RestartSupervisor({ clock, random: () => 0, due: (id) => due.push(id) });
  return { sup, clock, due };
}

function ended(state: 'Completed' | 'Failed', failuresInRow: number, policy: RestartPolicy = POLICY) {
  return on('t1', state, 'n1', 1, {
    request: taskRequest('t1', { restartPolicy: policy }),
    failuresInRow,
    reason: state === 'Failed' ? 'exited with code 1' : 'exited with code 0',
  });
}

test('a failed task restarts after the backoff, doubling with each failure in a row', () => {
  const { sup, clock } = setup();
  const first = sup.decide(ended('Failed', 0));
  assert.equal(first.kind, 'restart');
  assert.equal(first.rec.restartAt, clock.now() + 500);
  assert.equal(first.rec.reason, 'exited with code 1; restarting in 500ms');
  const third = sup.decide(ended('Failed', 2));
  assert.equal(third.kind === 'restart' && third.delayMs, 2_000);
});

test('on-failure leaves a clean exit alone; always restarts it; never restarts nothing', () => {
  const { sup } = setup();
  assert.equal(sup.decide(ended('Completed', 0)).kind, 'none');
  assert.equal(sup.decide(ended('Completed', 0, { ...POLICY, mode: 'always' })).kind, 'restart');
  const never = sup.decide(ended('Failed', 0, { ...POLICY, mode: 'never' }));
  assert.equal(never.kind, 'none');
  assert.equal(never.rec.restartAt, null);
});

test('always with no limit keeps restarting past any count, the backoff capped at its max', () => {
  const { sup } = setup();
  const verdict = sup.decide(ended('Failed', 1_000, { ...POLICY, mode: 'always', maxRestarts: null }));
  assert.equal(verdict.kind === 'restart' && verdict.delayMs, POLICY.backoffMaxMs);
});

test('past maxRestarts in a row the task gives up and the reason says so', () => {
  const { sup } = setup();
  const verdict = sup.decide(ended('Failed', 3));
  assert.equal(verdict.kind, 'gave-up');
  assert.equal(verdict.rec.restartAt, null);
  assert.equal(verdict.rec.reason, 'exited with code 1; gave up after 3 restarts');
  const once = sup.decide(ended('Failed', 1, { ...POLICY, maxRestarts: 1 }));
  assert.equal(once.rec.reason, 'exited with code 1; gave up after 1 restart');
});

test('one wake-up per task: an earlier one replaces a later, cancel drops it, cancelAll drops all and sets none again', () => {
  const { sup, clock, due } = setup();
  const t0 = clock.now();
  sup.wakeAt('a', t0 + 1_000);
  sup.wakeAt('a', t0 + 500); // earlier: replaces
  sup.wakeAt('a', t0 + 2_000); // later: the earlier stays
  sup.wakeAt('b', t0 + 100);
  sup.cancel('b');
  clock.advance(600);
  assert.deepEqual(due, ['a']);
  clock.advance(5_000);
  assert.deepEqual(due, ['a'], 'the replaced wake-ups never fire');
  sup.wakeAt('c', clock.now() + 100);
  sup.cancelAll();
  sup.wakeAt('d', clock.now() + 100);
  clock.advance(1_000);
  assert.deepEqual(due, ['a']);
  assert.equal(clock.pendingTimers, 0);
});
