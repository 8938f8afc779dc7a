import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TaskReport } from '../../../src/api/index.js';

// The manager's ajv builds an error object for each branch of a union that fails before one
// matches: a report's unions put first what a Running report holds, so checking one makes none.

const running: TaskReport = {
  taskId: '3f0c5d1e-8a7b-4c1d-9e2f-0123456789ab',
  generation: 1,
  state: 'Running',
  containerId: 'c0ffee',
  exitCode: null,
  reason: 'running',
  ports: [],
  startedAt: '2026-12-07T10:00:00.000Z',
  finishedAt: null,
};

test('a Running report matches the first branch of every union of the report schema', () => {
  const props = (TaskReport as unknown as { properties: Record<string, { anyOf?: TSchema[] }> }).properties;
  const unions = Object.entries(running).filter(([field]) => props[field]?.anyOf !== undefined);
  assert.deepEqual(unions.map(([field]) => field).sort(), [
    'containerId',
    'exitCode',
    'finishedAt',
    'startedAt',
    'state',
  ]);
  for (const [field, value] of unions) {
    const [first] = props[field]?.anyOf ?? [];
    assert.ok(
      first !== undefined && Value.Check(first, value),
      `${field}: ${JSON.stringify(value)} is not its first branch`,
    );
  }
});

test('a report still takes every state, and an exit code and a finish time once it ended', () => {
  for (const state of ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed'] as const)
    assert.ok(Value.Check(TaskReport, { ...running, state }), state);
  assert.ok(Value.Check(TaskReport, { ...running, state: 'Completed', exitCode: 0, finishedAt: running.startedAt }));
  assert.ok(!Value.Check(TaskReport, { ...running, exitCode: 1.5 }));
  assert.ok(!Value.Check(TaskReport, { ...running, finishedAt: 'x'.repeat(65) }));
});
