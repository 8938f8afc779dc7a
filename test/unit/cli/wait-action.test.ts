import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endedForGood, finalExitCode } from '../../../src/cli/wait-action.js';

// `poseidon wait`: when a task has ended for good, and the exit code it ended with.

test('Completed or Failed with no restart planned is the end; a restart planned, or running, is not', () => {
  assert.equal(endedForGood({ state: 'Completed', restartAt: null }), true);
  assert.equal(endedForGood({ state: 'Failed', restartAt: null }), true);
  assert.equal(endedForGood({ state: 'Failed', restartAt: '2026-12-05T10:00:00Z' }), false);
  assert.equal(endedForGood({ state: 'Running', restartAt: null }), false);
  assert.equal(endedForGood({ state: 'Pending', restartAt: null }), false);
});

test("the exit code is the task's, else its last copy's; none when no copy ran", () => {
  assert.equal(finalExitCode({ exitCode: 3, lastExit: { reason: 'exited with code 3', exitCode: 3, at: 't' } }), 3);
  assert.equal(finalExitCode({ exitCode: null, lastExit: { reason: 'exited with code 5', exitCode: 5, at: 't' } }), 5);
  assert.equal(finalExitCode({ exitCode: null, lastExit: null }), null);
  assert.equal(finalExitCode({ exitCode: 0 }), 0);
});
