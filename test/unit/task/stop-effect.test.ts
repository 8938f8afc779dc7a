import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopEffect } from '../../../src/task/index.js';

// What `DELETE /tasks/{id}` does to a task, by its state: the manager's rule, which the console's Stop follows.

test('an active task is stopped; one asked already is left as it is', () => {
  for (const state of ['Pending', 'Scheduled', 'Running'])
    assert.equal(stopEffect({ state, desired: 'running', restartPlanned: false }), 'stops', state);
  for (const state of ['Pending', 'Running', 'Completed', 'Failed'])
    assert.equal(stopEffect({ state, desired: 'stopped', restartPlanned: false }), 'none', state);
});

test('an ended task with a restart coming has it cancelled; one its policy gave up on has nothing to stop', () => {
  for (const state of ['Completed', 'Failed']) {
    assert.equal(stopEffect({ state, desired: 'running', restartPlanned: true }), 'cancels-restart', state);
    assert.equal(stopEffect({ state, desired: 'running', restartPlanned: false }), 'none', state);
  }
});
