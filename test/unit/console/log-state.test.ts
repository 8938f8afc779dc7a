import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskView } from '../../../src/console/decode.js';
import { endedForGood, logStateText, type LogPhase } from '../../../src/console/log-state.js';
import { logsPath } from '../../../src/console/log-parts.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// The task page's logs pane: a task that gave up (Failed after its restarts), completed or was
// stopped writes nothing more; its pane says it ended and when, and reads its last lines once
// rather than saying it follows a log that will never grow.

const gaveUp = taskView(
  managerTaskView({
    state: 'Failed',
    reason: 'exited with code 4; gave up after 2 restarts',
    restartAt: null,
    restarts: 2,
    exitCode: 4,
    finishedAt: '2026-12-07T20:03:23.455Z',
  }),
);
const waiting = taskView(
  managerTaskView({ state: 'Failed', reason: 'exited with code 4; restarting in 1.0s', restartAt: gaveUp.finishedAt }),
);
const text = (phase: LogPhase, t = gaveUp, shownAny = true): string => {
  const said = logStateText(phase, t, shownAny);
  return `${said.before}${said.at === null ? '' : ` <${said.at}>`}${said.after}`;
};

test('a task that gave up, completed or was stopped has ended for good; one waiting to restart has not', () => {
  assert.equal(endedForGood(gaveUp), true);
  assert.equal(endedForGood(taskView(managerTaskView({ state: 'Completed', restartAt: null }))), true);
  assert.equal(endedForGood(waiting), false, 'its restart is planned');
  assert.equal(endedForGood(taskView(managerTaskView({ state: 'Running' }))), false);
  assert.equal(gaveUp.finishedAt, '2026-12-07T20:03:23.455Z', 'the console reads when it ended');
});

test('a task that gave up says it ended, and when, never that it follows its log', () => {
  for (const kind of ['following', 'waiting', 'stopped'] as const)
    assert.doesNotMatch(text({ kind }), /following|follow/, kind);
  assert.doesNotMatch(text({ kind: 'reconnecting', detail: '' }), /follow|reconnecting/);
  assert.equal(
    text({ kind: 'stopped' }),
    'ended: the task failed <2026-12-07T20:03:23.455Z> (exited with code 4; gave up after 2 restarts): ' +
      'its last lines are below, and no more will come',
  );
  assert.match(text({ kind: 'following' }), /^ended: the task failed <.*>.*: reading its last lines$/);
  assert.match(text({ kind: 'stopped' }, gaveUp, false), /, writing nothing$/);
  const completed = taskView(
    managerTaskView({ state: 'Completed', reason: 'exited with code 0', restartAt: null, finishedAt: 'T' }),
  );
  assert.match(
    text({ kind: 'stopped' }, completed),
    /^ended: the task completed <.*> \(exited with code 0\): its last/,
  );
  // an older manager says no finishedAt: its last exit's time stands in, or none is said
  const older = { ...gaveUp, finishedAt: null };
  assert.match(text({ kind: 'stopped' }, older), /^ended: the task failed \(exited/);
  assert.match(text({ kind: 'stopped' }, { ...older, lastExit: { reason: 'x', at: 'T' } }), /failed <T> \(/);
});

test('a running task is followed, and one waiting to restart says its restart will be followed', () => {
  const running = taskView(managerTaskView({ state: 'Running' }));
  assert.equal(text({ kind: 'following' }, running), 'following');
  assert.equal(
    text({ kind: 'stopped' }, waiting),
    'the container stopped; its restart is planned and will be followed',
  );
  assert.equal(text({ kind: 'refused', detail: 'no' }, gaveUp), 'not shown: no');
});

test('a task whose node went Down says its container is gone, and a cut stream says who did not answer', () => {
  const lost = taskView(
    managerTaskView({ state: 'Pending', containerId: null, reason: 'node w2 is down; rescheduling' }),
  );
  assert.equal(
    text({ kind: 'stopped' }, lost),
    'its container is gone; the task waits to be placed again, and its next container will be followed',
  );
  const running = taskView(managerTaskView({ state: 'Running' }));
  assert.equal(
    text({ kind: 'reconnecting', detail: '' }, running),
    'reconnecting (the manager does not answer; trying again)',
  );
  assert.equal(
    text({ kind: 'reconnecting', detail: 'worker w2 does not answer' }, running),
    'reconnecting (worker w2 does not answer; trying again)',
  );
});

test('an ended task is read, not followed', () => {
  assert.equal(logsPath('t1', true, undefined, false), '/tasks/t1/logs?follow=false&timestamps=true&tail=200');
});
