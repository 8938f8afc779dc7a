import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskView } from '../../../src/console/decode.js';
import { stopEffect } from '../../../src/task/stop-effect.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// The task page offers Stop where the manager acts on it (stopEffect, the manager's own rule), read
// from the view the manager answers: its desired state, state and planned restart (restartAt).

const offered = (fields: Parameters<typeof managerTaskView>[0]): string => {
  const t = taskView(managerTaskView(fields));
  return stopEffect({ state: t.state, desired: t.desiredState, restartPlanned: t.restartAt !== null });
};

test('a task waiting to restart is offered a stop that cancels it; one that gave up, none', () => {
  const reason = 'exited with code 5; restarting in 15.2s';
  const at = '2026-12-07T17:00:15.200Z';
  assert.equal(taskView(managerTaskView({ state: 'Failed', reason, restartAt: at })).restartAt, at);
  assert.equal(offered({ state: 'Failed', reason, restartAt: at }), 'cancels-restart');
  assert.equal(
    offered({ state: 'Failed', reason: 'exited with code 5; gave up after 1 restart', restartAt: null }),
    'none',
  );
  assert.equal(offered({ state: 'Completed', restartAt: null }), 'none');
  assert.equal(offered({ state: 'Running' }), 'stops');
  assert.equal(offered({ state: 'Running', desiredState: 'stopped' }), 'none');
});

test('an older manager that says no restartAt is taken to plan none', () => {
  const { restartAt: _none, ...older } = managerTaskView({ state: 'Failed' });
  assert.equal(taskView(older).restartAt, null);
});
