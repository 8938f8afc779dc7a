import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addPart,
  addRestartNote,
  addResumeNote,
  FIRST_TAIL,
  LogReader,
  logsPath,
  type LogPart,
} from '../../../src/console/log-parts.js';

// A task page follows its task's output across restarts, as `poseidon logs -f` does: the first
// container from its last lines, each one after a restart whole, with a line between them.

test("the first container's last lines are asked for, a later container's every line", () => {
  assert.equal(logsPath('a b', true), `/tasks/a%20b/logs?follow=true&timestamps=true&tail=${FIRST_TAIL}`);
  assert.equal(logsPath('a b', false), '/tasks/a%20b/logs?follow=true&timestamps=true');
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

test('a stream cut off while its container runs is asked for again from the second of the last line shown', () => {
  assert.equal(logsPath('t1', true, 1796640000.75), '/tasks/t1/logs?follow=true&timestamps=true&since=1796640000');
  assert.equal(logsPath('t1', false, 1796640000), '/tasks/t1/logs?follow=true&timestamps=true&since=1796640000');
  const said = addPart([], 'stdout', 'said-4', 1000);
  assert.deepEqual(addResumeNote(said, '10:40:00.750 UTC', 1000).at(-1), {
    stream: 'note',
    text: '\n--- the stream was cut off; followed again after the last line shown (10:40:00.750 UTC) ---\n',
  });
  assert.deepEqual(addResumeNote([], undefined, 1000), [
    { stream: 'note', text: '--- the stream was cut off; followed again ---\n' },
  ]);
});

test("the page keeps the engine's order across stdout and stderr, a line cut between two chunks included", () => {
  const reader = LogReader.forType('application/x-ndjson');
  const lines = ['{"stderr":"err 1\\n"}', '{"stdout":"out 1\\n"}', '{"stderr":"err 2\\n"}', '{"stdout":"out 2\\n"}'];
  const all = `${lines.join('\n')}\n`;
  const cut = all.indexOf('out 2');
  const pieces = [...reader.pieces(all.slice(0, cut)), ...reader.pieces(all.slice(cut))];
  const parts = pieces.reduce<LogPart[]>((p, x) => addPart(p, x.stream, x.text, 1_000), []);
  assert.deepEqual(
    parts.map((p) => `${p.stream}:${p.text}`),
    ['stderr:err 1\n', 'stdout:out 1\n', 'stderr:err 2\n', 'stdout:out 2\n'],
  );
});

test('a text answer (a worker older than the streams apart) comes a line at a time, its last line at its end', () => {
  const reader = LogReader.forType('text/plain; charset=utf-8');
  assert.deepEqual(reader.pieces('2026-12-07T10:40:00.1Z one\n2026-12-07T10:40:00.2Z tw'), [
    { stream: 'stdout', text: '2026-12-07T10:40:00.1Z one\n' },
  ]);
  assert.deepEqual(reader.pieces('o\n2026-12-07T10:40:00.3Z thr'), [
    { stream: 'stdout', text: '2026-12-07T10:40:00.2Z two\n' },
  ]);
  assert.deepEqual(reader.end(), [{ stream: 'stdout', text: '2026-12-07T10:40:00.3Z thr' }]);
});
