import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidTransition,
  TASK_STATES,
  TaskState,
  assertTransition,
  canTransition,
  isActive,
  isTerminal,
} from '../../../src/task/index.js';

// The expected table, written out by hand from the comment on NEXT in src/task/state-machine.ts:
// - Pending -> Completed/Failed: stopped or rejected before it was ever placed.
// - Scheduled|Running -> Pending: its node went down, so it waits for a new placement.
// - Running|Failed -> Scheduled: a restart.
// - Completed -> Scheduled: restart policy `always` after a clean exit.
// Every pair not listed (self-moves included) must throw.
const ALLOWED: ReadonlyArray<readonly [TaskState, TaskState]> = [
  ['Pending', 'Scheduled'],
  ['Pending', 'Completed'],
  ['Pending', 'Failed'],
  ['Scheduled', 'Pending'],
  ['Scheduled', 'Running'],
  ['Scheduled', 'Completed'],
  ['Scheduled', 'Failed'],
  ['Running', 'Pending'],
  ['Running', 'Scheduled'],
  ['Running', 'Completed'],
  ['Running', 'Failed'],
  ['Completed', 'Scheduled'],
  ['Failed', 'Scheduled'],
];
const isAllowed = (from: TaskState, to: TaskState): boolean => ALLOWED.some(([f, t]) => f === from && t === to);

test('there are exactly five task states, in lifecycle order', () => {
  assert.deepEqual(TASK_STATES, ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed']);
});

for (const from of TASK_STATES) {
  for (const to of TASK_STATES) {
    if (isAllowed(from, to)) {
      test(`${from} -> ${to} is allowed`, () => {
        assert.equal(canTransition(from, to), true);
        assert.doesNotThrow(() => assertTransition('t-1', from, to));
      });
    } else {
      test(`${from} -> ${to} throws InvalidTransition (409 invalid_transition) naming the task and both states`, () => {
        assert.equal(canTransition(from, to), false);
        assert.throws(
          () => assertTransition('t-1', from, to),
          (err: unknown) => {
            assert.ok(err instanceof InvalidTransition);
            assert.equal(err.code, 'invalid_transition');
            assert.equal(err.status, 409);
            assert.equal(err.taskId, 't-1');
            assert.equal(err.from, from);
            assert.equal(err.to, to);
            assert.equal(err.name, 'InvalidTransition');
            assert.match(err.message, new RegExp(`t-1.*${from}.*${to}`));
            return true;
          },
        );
      });
    }
  }
}

test('the table covers all 25 pairs: 13 allowed, 12 refused', () => {
  let allowed = 0;
  for (const from of TASK_STATES) for (const to of TASK_STATES) if (canTransition(from, to)) allowed += 1;
  assert.equal(allowed, ALLOWED.length);
  assert.equal(TASK_STATES.length ** 2 - allowed, 12);
});

test('restarts (Running -> Scheduled, Failed -> Scheduled) are allowed; Completed -> Running is not', () => {
  assert.equal(canTransition(TaskState.Running, TaskState.Scheduled), true);
  assert.equal(canTransition(TaskState.Failed, TaskState.Scheduled), true);
  assert.equal(canTransition(TaskState.Completed, TaskState.Running), false);
});

test('only Scheduled and Running are active; only Completed and Failed are terminal', () => {
  assert.deepEqual(TASK_STATES.filter(isActive), ['Scheduled', 'Running']);
  assert.deepEqual(TASK_STATES.filter(isTerminal), ['Completed', 'Failed']);
});
