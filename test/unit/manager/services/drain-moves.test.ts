import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskRecord } from '../../../../src/manager/records.js';
import { drainMoves, leftoverMoves, unplacedLeftovers } from '../../../../src/manager/services/drain-moves.js';
import { TaskState } from '../../../../src/task/index.js';
import { taskRequest } from '../../../helpers/task-request.js';

// drainMoves is pure: a service's tasks and the drained nodes in, replacements and stops out.

function replica(id: string, slot: number, nodeId: string | null, state: TaskState, f: Partial<TaskRecord> = {}) {
  const at = new Date(0).toISOString();
  const rec: TaskRecord = {
    request: taskRequest(id, { name: `web-${slot}` }),
    desired: 'running',
    state,
    nodeId,
    generation: 1,
    containerId: null,
    exitCode: null,
    reason: '',
    ports: [],
    restarts: 0,
    failuresInRow: 0,
    restartAt: null,
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: null,
    submittedAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
    service: { service: 'web', slot, version: 1 },
    ...f,
  };
  return rec;
}

const uid = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
const DRAINED = new Set(['n1']);
const name = (id: string): string => `node-${id}`;
const none = new Set<never>();
/** Slots 1..n wanted, as a service of n replicas wants them. */
const upTo = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i + 1));

test('drainMoves: a replica on a drained node gets a replacement first, then stops once it is ready', () => {
  const old = replica(uid(1), 1, 'n1', TaskState.Running);
  assert.deepEqual(drainMoves([old], upTo(1), DRAINED, name, none, none), { create: [1], stop: [] });
  const pending = replica(uid(2), 1, null, TaskState.Pending);
  assert.deepEqual(drainMoves([old, pending], upTo(1), DRAINED, name, none, none), { create: [], stop: [] }, 'waits');
  const ready = replica(uid(3), 1, 'n2', TaskState.Running);
  assert.deepEqual(drainMoves([old, ready], upTo(1), DRAINED, name, none, none), {
    create: [],
    stop: [{ taskId: uid(1), reason: 'node node-n1 drained: replaced by web-1' }],
  });
});

test('drainMoves: a replacement with a health check counts once it is healthy, not merely running', () => {
  const old = replica(uid(1), 1, 'n1', TaskState.Running);
  const healthCheck = {
    type: 'exec' as const,
    port: 0,
    path: '',
    expectedStatusMin: 200,
    expectedStatusMax: 399,
    command: ['true'],
    intervalMs: 1_000,
    timeoutMs: 1_000,
    failureThreshold: 3,
    startPeriodMs: 0,
  };
  const starting = replica(uid(2), 1, 'n2', TaskState.Running, {
    request: taskRequest(uid(2), { name: 'web-1', healthCheck }),
  });
  assert.deepEqual(drainMoves([old, starting], upTo(1), DRAINED, name, none, none).stop, []);
  const healthy = { ...starting, health: { ...starting.health, status: 'healthy' as const } };
  assert.equal(drainMoves([old, healthy], upTo(1), DRAINED, name, none, none).stop.length, 1);
});

test('drainMoves: no drained node, slots elsewhere, scaled-away slots and skipped ones are left alone', () => {
  const here = replica(uid(1), 1, 'n1', TaskState.Running);
  const there = replica(uid(2), 2, 'n2', TaskState.Running);
  const above = replica(uid(3), 3, 'n1', TaskState.Running);
  assert.deepEqual(drainMoves([here, there], upTo(2), new Set(), name, none, none), { create: [], stop: [] });
  assert.deepEqual(drainMoves([here, there, above], upTo(2), DRAINED, name, none, none), { create: [1], stop: [] });
  assert.deepEqual(drainMoves([here], upTo(1), DRAINED, name, new Set([1]), none), { create: [], stop: [] });
  assert.deepEqual(drainMoves([here], upTo(1), DRAINED, name, none, new Set([uid(1)])), { create: [], stop: [] });
});

test('drainMoves: a replica that ended on the drained node is its restart policy’s, not a move', () => {
  const restarting = replica(uid(1), 1, 'n1', TaskState.Failed, { restartAt: 5 });
  assert.deepEqual(drainMoves([restarting], upTo(1), DRAINED, name, none, none), { create: [], stop: [] });
  const stopping = replica(uid(2), 1, 'n1', TaskState.Running, { desired: 'stopped' });
  assert.deepEqual(drainMoves([stopping], upTo(1), DRAINED, name, none, none), { create: [], stop: [] });
});

test('a drain lifted mid-move: the newest ready stops the others; one not placed stops itself; one starting is waited for', () => {
  const older = replica(uid(1), 1, 'n1', TaskState.Running, { submittedAt: '2026-01-01T00:00:00.000Z' });
  const newer = (nodeId: string | null, state: TaskState): TaskRecord =>
    replica(uid(2), 1, nodeId, state, { submittedAt: '2026-01-01T00:00:05.000Z' });
  const drainedNone = new Set<string>();
  assert.deepEqual(
    leftoverMoves([older, newer('n2', TaskState.Running)], upTo(1), drainedNone, none, none).map((s) => s.taskId),
    [uid(1)],
    'the replacement runs: the old one stops',
  );
  assert.deepEqual(
    leftoverMoves([older, newer(null, TaskState.Pending)], upTo(1), drainedNone, none, none).map((s) => s.taskId),
    [uid(2)],
    'the replacement was not placed: it stops, the old one serves on',
  );
  assert.deepEqual(leftoverMoves([older, newer('n2', TaskState.Scheduled)], upTo(1), drainedNone, none, none), []);
  assert.deepEqual(
    leftoverMoves([older, newer(null, TaskState.Pending)], upTo(1), DRAINED, none, none),
    [],
    'still drained: drainMoves decides',
  );
  const v2 = replica(uid(3), 1, 'n2', TaskState.Running, { service: { service: 'web', slot: 1, version: 2 } });
  assert.deepEqual(leftoverMoves([older, v2], upTo(1), drainedNone, none, none), [], "two versions: a rollout's");
});

test('unplacedLeftovers: a replacement not placed whose drain was lifted is not to be placed; any other is', () => {
  const older = replica(uid(1), 1, 'n1', TaskState.Running, { submittedAt: '2026-01-01T00:00:00.000Z' });
  const pending = replica(uid(2), 1, null, TaskState.Pending, { submittedAt: '2026-01-01T00:00:05.000Z' });
  const drainedNone = new Set<string>();
  assert.deepEqual([...unplacedLeftovers([older, pending], upTo(1), drainedNone)], [uid(2)], 'the drain was lifted');
  assert.deepEqual(
    [...unplacedLeftovers([older, pending], upTo(1), DRAINED)],
    [],
    'still drained: it is to go elsewhere',
  );
  const starting = { ...older, state: TaskState.Scheduled };
  assert.deepEqual(
    [...unplacedLeftovers([starting, pending], upTo(1), drainedNone)],
    [],
    'the old one does not serve yet: the slot may need the new one',
  );
  const placed = { ...pending, nodeId: 'n2', state: TaskState.Running };
  assert.deepEqual(
    [...unplacedLeftovers([older, placed], upTo(1), drainedNone)],
    [],
    'placed already: the old one is the one to stop',
  );
  assert.deepEqual([...unplacedLeftovers([pending], upTo(1), drainedNone)], [], 'alone in its slot: to be placed');
});
