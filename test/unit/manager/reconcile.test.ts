import { taskRequest } from '../../helpers/task-request.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DesiredState, NodeState } from '../../../src/api/index.js';
import { DISPATCH_RETRY_MS, reconcile, type Action, type ClusterSnapshot } from '../../../src/manager/reconcile.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import { DEFAULT_RESTART_POLICY, TASK_STATES, TaskState } from '../../../src/task/index.js';

// reconcile is pure: every rule is a plain snapshot in and a list of actions out.

const NOW = 1_000_000;

interface TaskFields {
  desired?: DesiredState;
  state?: TaskState;
  nodeId?: string | null;
  generation?: number;
  restartAt?: number | null;
}

function record(id: string, f: TaskFields = {}): TaskRecord {
  const at = new Date(0).toISOString();
  return {
    request: taskRequest(id, { name: `task-${id}` }),
    desired: f.desired ?? 'running',
    state: f.state ?? TaskState.Pending,
    nodeId: f.nodeId ?? null,
    generation: f.generation ?? 0,
    containerId: null,
    exitCode: null,
    reason: '',
    ports: [],
    restarts: 0,
    failuresInRow: 0,
    restartAt: f.restartAt ?? null,
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: null,
    submittedAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
  };
}

function snapshot(p: {
  tasks?: TaskRecord[];
  nodes?: Array<[string, NodeState]>;
  dispatchedAt?: Array<[string, number]>;
  stopping?: string[];
}): ClusterSnapshot {
  return {
    tasks: new Map((p.tasks ?? []).map((t) => [t.request.id, t])),
    nodeStates: new Map(p.nodes ?? []),
    dispatchedAt: new Map(p.dispatchedAt ?? []),
    stopping: new Set(p.stopping ?? []),
  };
}

interface Case {
  name: string;
  snapshot: ClusterSnapshot;
  expected: Action[];
}

const cases: Case[] = [
  {
    name: 'a pending task that should run is placed',
    snapshot: snapshot({ tasks: [record('t1')], nodes: [['w1', 'Up']] }),
    expected: [{ kind: 'place', taskId: 't1' }],
  },
  {
    name: 'a pending task that should run is placed even when no node has joined',
    snapshot: snapshot({ tasks: [record('t1')] }),
    expected: [{ kind: 'place', taskId: 't1' }],
  },
  {
    name: 'a pending task whose desired state is stopped is cancelled',
    snapshot: snapshot({ tasks: [record('t1', { desired: 'stopped' })], nodes: [['w1', 'Up']] }),
    expected: [{ kind: 'cancel', taskId: 't1' }],
  },
  {
    name: 'a running task whose desired state is stopped is stopped on its up node',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'stop', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: 'a scheduled task whose desired state is stopped is stopped on its up node',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'stop', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: 'a running task whose desired state is stopped is cancelled when its node is down',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Down']],
    }),
    expected: [{ kind: 'cancel', taskId: 't1' }],
  },
  {
    name: 'a running task whose desired state is stopped is cancelled when its node was removed',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Running, nodeId: 'gone', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'cancel', taskId: 't1' }],
  },
  {
    name: 'a task already being stopped gets no second stop',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
      stopping: ['t1'],
    }),
    expected: [],
  },
  {
    name: 'a task already being stopped is not cancelled either when its node goes down',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Down']],
      stopping: ['t1'],
    }),
    expected: [],
  },
  {
    name: 'a running task on a down node is marked lost, not placed twice',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Down']],
    }),
    expected: [{ kind: 'mark-lost', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: 'a scheduled task on a down node is marked lost',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Down']],
    }),
    expected: [{ kind: 'mark-lost', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: 'a running task on a node the manager does not know is marked lost',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Running, nodeId: 'ghost', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'mark-lost', taskId: 't1', nodeId: 'ghost' }],
  },
  {
    name: 'a running task on an up node needs nothing',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [],
  },
  {
    name: 'a running task on a node in Unknown state (after a manager restart) is left alone',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Running, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Unknown']],
    }),
    expected: [],
  },
  {
    name: 'a scheduled task never dispatched is dispatched to its up node',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'dispatch', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: `a scheduled task dispatched exactly ${DISPATCH_RETRY_MS} ms ago is dispatched again`,
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
      dispatchedAt: [['t1', NOW - DISPATCH_RETRY_MS]],
    }),
    expected: [{ kind: 'dispatch', taskId: 't1', nodeId: 'w1' }],
  },
  {
    name: 'a scheduled task dispatched recently is not dispatched again',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
      dispatchedAt: [['t1', NOW - DISPATCH_RETRY_MS + 1]],
    }),
    expected: [],
  },
  {
    name: 'a scheduled task on a node in Unknown state waits instead of being dispatched',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Scheduled, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Unknown']],
    }),
    expected: [],
  },
  {
    name: 'a completed task that should run needs nothing',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Completed, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [],
  },
  {
    name: 'a failed task that should run needs nothing',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Failed, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Down']],
    }),
    expected: [],
  },
  {
    name: 'a completed task whose desired state is stopped needs nothing',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Completed, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [],
  },
  {
    name: 'a failed task whose desired state is stopped needs nothing',
    snapshot: snapshot({
      tasks: [record('t1', { desired: 'stopped', state: TaskState.Failed, nodeId: 'w1', generation: 1 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [],
  },
  {
    name: 'a failed task whose restart is due is restarted, preferring its node when that node is up',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Failed, nodeId: 'w1', generation: 1, restartAt: NOW })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'restart', taskId: 't1', preferNodeId: 'w1' }],
  },
  {
    name: 'a failed task whose restart is due on a down node is restarted with no preferred node',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Failed, nodeId: 'w1', generation: 1, restartAt: NOW - 1 })],
      nodes: [['w1', 'Down']],
    }),
    expected: [{ kind: 'restart', taskId: 't1', preferNodeId: null }],
  },
  {
    name: 'a completed task whose restart is not due yet asks to be woken at the due time',
    snapshot: snapshot({
      tasks: [record('t1', { state: TaskState.Completed, nodeId: 'w1', generation: 1, restartAt: NOW + 500 })],
      nodes: [['w1', 'Up']],
    }),
    expected: [{ kind: 'wake-at', taskId: 't1', atMs: NOW + 500 }],
  },
  {
    name: 'a failed task whose desired state is stopped is not restarted even with a restart planned',
    snapshot: snapshot({
      tasks: [
        record('t1', { desired: 'stopped', state: TaskState.Failed, nodeId: 'w1', generation: 1, restartAt: NOW - 1 }),
      ],
      nodes: [['w1', 'Up']],
    }),
    expected: [],
  },
  {
    name: 'each task gets its own decision in one pass',
    snapshot: snapshot({
      tasks: [
        record('t1'),
        record('t2', { state: TaskState.Running, nodeId: 'w2', generation: 3 }),
        record('t3', { desired: 'stopped', state: TaskState.Running, nodeId: 'w1', generation: 1 }),
        record('t4', { state: TaskState.Running, nodeId: 'w1', generation: 2 }),
      ],
      nodes: [
        ['w1', 'Up'],
        ['w2', 'Down'],
      ],
    }),
    expected: [
      { kind: 'place', taskId: 't1' },
      { kind: 'mark-lost', taskId: 't2', nodeId: 'w2' },
      { kind: 'stop', taskId: 't3', nodeId: 'w1' },
    ],
  },
];

for (const c of cases) {
  test(`reconcile: ${c.name}`, () => {
    assert.deepEqual(reconcile(c.snapshot, NOW), c.expected);
  });
}

// ---- properties ----

const NODE_IDS = ['w1', 'w2', 'w3'] as const;

const arbTask = (id: string): fc.Arbitrary<TaskRecord> =>
  fc
    .record({
      desired: fc.constantFrom<DesiredState>('running', 'stopped'),
      state: fc.constantFrom(...TASK_STATES),
      // a node id the snapshot may or may not know, or none
      nodeId: fc.option(fc.constantFrom(...NODE_IDS, 'ghost'), { nil: null }),
      generation: fc.nat({ max: 5 }),
      restartAt: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
    })
    .map((f) => record(id, f));

const arbSnapshot: fc.Arbitrary<{ s: ClusterSnapshot; nowMs: number }> = fc
  .record({
    count: fc.integer({ min: 0, max: 8 }),
    nodeStates: fc.array(fc.constantFrom<NodeState>('Up', 'Down', 'Unknown'), {
      minLength: NODE_IDS.length,
      maxLength: NODE_IDS.length,
    }),
    knownNodes: fc.integer({ min: 0, max: NODE_IDS.length }),
    nowMs: fc.integer({ min: 0, max: 20_000 }),
  })
  .chain(({ count, nodeStates, knownNodes, nowMs }) => {
    const ids = Array.from({ length: count }, (_, i) => `t${i}`);
    return fc
      .record({
        tasks: fc.tuple(...ids.map(arbTask)),
        dispatched: fc.array(fc.tuple(fc.constantFrom('t0', 't1', 't2', 't3'), fc.integer({ min: 0, max: 20_000 })), {
          maxLength: 4,
        }),
        stopping: fc.subarray(ids),
      })
      .map(({ tasks, dispatched, stopping }) => {
        const nodes: Array<[string, NodeState]> = NODE_IDS.slice(0, knownNodes).map((id, i) => [
          id,
          nodeStates[i] ?? 'Up',
        ]);
        return { s: snapshot({ tasks, nodes, dispatchedAt: dispatched, stopping }), nowMs };
      });
  });

test('reconcile never emits two actions for one task', () => {
  fc.assert(
    fc.property(arbSnapshot, ({ s, nowMs }) => {
      const ids = reconcile(s, nowMs).map((a) => a.taskId);
      assert.equal(new Set(ids).size, ids.length, `duplicate actions: ${ids.join(', ')}`);
    }),
  );
});

test('reconcile never places (nor restarts) a task whose desired state is stopped', () => {
  fc.assert(
    fc.property(arbSnapshot, ({ s, nowMs }) => {
      for (const a of reconcile(s, nowMs)) {
        if (a.kind === 'place' || a.kind === 'restart' || a.kind === 'wake-at')
          assert.equal(s.tasks.get(a.taskId)?.desired, 'running', `${a.kind} for stopped task ${a.taskId}`);
      }
    }),
  );
});

test('reconcile only acts on tasks in the snapshot and only places pending ones', () => {
  fc.assert(
    fc.property(arbSnapshot, ({ s, nowMs }) => {
      for (const a of reconcile(s, nowMs)) {
        const t = s.tasks.get(a.taskId);
        assert.ok(t !== undefined, `action for unknown task ${a.taskId}`);
        if (a.kind === 'place') assert.equal(t.state, TaskState.Pending);
      }
    }),
  );
});

test('reconcile leaves its snapshot untouched', () => {
  fc.assert(
    fc.property(arbSnapshot, ({ s, nowMs }) => {
      const before = structuredClone({
        tasks: [...s.tasks],
        nodes: [...s.nodeStates],
        at: [...s.dispatchedAt],
        stopping: [...s.stopping],
      });
      reconcile(s, nowMs);
      assert.deepEqual(
        { tasks: [...s.tasks], nodes: [...s.nodeStates], at: [...s.dispatchedAt], stopping: [...s.stopping] },
        before,
      );
    }),
  );
});
