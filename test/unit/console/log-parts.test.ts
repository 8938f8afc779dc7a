import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPart, addRestartNote, FIRST_TAIL, logsPath, type LogPart } from '../../../src/console/log-parts.js';

// A task page follows its task's output across restarts, as `poseidon logs -f` does: the first
// container from its last lines, each one after a restart whole, with a line between them.

test("the first container's last lines are asked for, a later container's every line", () => {
  assert.equal(logsPath('a b', true), `/tasks/a%20b/logs?follow=true&tail=${FIRST_TAIL}`);
  assert.equal(logsPath('a b', false), '/tasks/a%20b/logs?follow=true');
});

test('the line between two containers stands on a line of its own', () => {
  const ended: LogPart[] = addPart([], 'stderr', 'fatal: no db', 1000);
  assert.deepEqual(addRestartNote(ended, 2, 1000), [
    { stream: 'stderr', text: 'fatal: no db' },
    { stream: 'note', text: '\n--- restarted (restart 2): a new container ---\n' },
  ]);
  const whole = addPart([], 'stdout', 'booting\n', 1000);
  assert.deepEqual(addRestartNote(whole, 1, 1000).at(-1), {
    stream: 'note',
    text: '--- restarted (restart 1): a new container ---\n',
  });
  assert.deepEqual(addRestartNote([], 1, 1000), [
    { stream: 'note', text: '--- restarted (restart 1): a new container ---\n' },
  ]);
});
