import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { NodeState } from '../../../src/api/index.js';
import { ClusterPool } from '../../../src/manager/cluster-pool.js';
import type { NodeEntry } from '../../../src/manager/records.js';
import { explain, NODE_UNHEARD, RoundRobinScorer, Scheduler, type NodeView } from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

// The manager's pool bookkeeping alone: NodeEntry and task charges in, the scheduler's view out.

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function entry(
  id: string,
  fields: { state?: NodeState; memoryGiB?: number; cpuUsage?: number; memoryAvailableGiB?: number } = {},
): NodeEntry {
  const memoryBytes = (fields.memoryGiB ?? 16) * GiB;
  return {
    record: {
      id,
      name: `node-${id}`,
      url: `http://${id}.test:7070`,
      capacity: { cpuCores: 4, memoryBytes, diskBytes: 100 * GiB },
      static: false,
      registeredAt: '2025-01-01T00:00:00.000Z',
    },
    state: fields.state ?? 'Up',
    lastHeartbeatMs: 0,
    metrics:
      fields.cpuUsage === undefined
        ? null
        : {
            cpuUsage: fields.cpuUsage,
            load1: 0,
            memoryAvailableBytes: (fields.memoryAvailableGiB ?? 16) * GiB,
            diskFreeBytes: 100 * GiB,
          },
  };
}

function task(id: string, fields: Partial<TaskRequest> = {}): TaskRequest {
  return taskRequest(id, { name: id, ...fields });
}

const PORT_8080 = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as const }];

function newPool(): ClusterPool {
  return new ClusterPool(new Scheduler(new RoundRobinScorer()));
}

function pooled(pool: ClusterPool, nodeId: string): NodeView {
  const view = pool
    .current()
    .views()
    .find((v) => v.id === nodeId);
  assert.ok(view !== undefined, `${nodeId} is not in the pool`);
  return view;
}

/** What placement reads of a node's load, as plain data. */
function load(view: NodeView): { allocated: object; taskCount: number; usedPorts: string[] } {
  return { allocated: { ...view.allocated }, taskCount: view.taskCount, usedPorts: [...view.usedPorts].sort() };
}

test('a node is in the pool once known, and up only while its entry says Up', () => {
  const pool = newPool();
  const w1 = entry('w1');
  pool.setNode(w1);
  assert.equal(pooled(pool, 'w1').up, true);
  for (const state of ['Down', 'Unknown', 'Up'] as const) {
    w1.state = state;
    pool.setNode(w1);
    assert.equal(pooled(pool, 'w1').up, state === 'Up', state);
    // a node this manager has not heard from yet is not said to be down
    assert.equal(pooled(pool, 'w1').downReason, state === 'Unknown' ? NODE_UNHEARD : undefined, state);
  }
  assert.deepEqual(
    pool
      .current()
      .views()
      .map((v) => v.id),
    ['w1'],
  );
});

test('a charge shows in the pooled node at once, and releasing every task leaves exact zeros', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  pool.set('t1', task('t1', { cpuCores: 0.1, memoryBytes: 256 * MiB, ports: PORT_8080 }), 'w1', 1);
  pool.set('t2', task('t2', { cpuCores: 0.2, memoryBytes: 512 * MiB, diskBytes: GiB }), 'w1', 1);
  assert.deepEqual(load(pooled(pool, 'w1')), {
    allocated: { cpuCores: 0.3, memoryBytes: 768 * MiB, diskBytes: GiB }, // to the engine's grain, not 0.30000000000000004
    taskCount: 2,
    usedPorts: ['8080/tcp'],
  });
  assert.deepEqual({ ...pooled(pool, 'w1').allocated }, { ...pool.of('w1').resources });

  pool.set('t1', task('t1'), null);
  pool.set('t2', task('t2'), null);
  // 0.1 + 0.2 - 0.1 - 0.2 is not 0 in floating point; the books start over from 0 instead
  assert.deepEqual(load(pooled(pool, 'w1')), {
    allocated: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 },
    taskCount: 0,
    usedPorts: [],
  });
});

test('a host port stays in use in the pool until the last task holding it on the node is released', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  pool.set('t1', task('t1', { ports: PORT_8080 }), 'w1');
  pool.set('t2', task('t2', { ports: PORT_8080 }), 'w1'); // adopted from a worker: two copies may hold it
  pool.set('t1', task('t1', { ports: PORT_8080 }), null);
  assert.deepEqual([...pooled(pool, 'w1').usedPorts], ['8080/tcp']);
  pool.set('t2', task('t2', { ports: PORT_8080 }), null);
  assert.deepEqual([...pooled(pool, 'w1').usedPorts], []);
});

test('host ports held outside Poseidon, as the node last said, are in use there; a beat that frees one says so', () => {
  const pool = newPool();
  const w1 = entry('w1', { cpuUsage: 0.1 });
  pool.setNode(w1);
  pool.setNode(entry('w2', { cpuUsage: 0.1 }));
  const asks8080 = task('t1', { ports: PORT_8080 });
  // the tracker changes the entry in place, as a heartbeat does
  w1.metrics = { ...(w1.metrics ?? assert.fail('metrics')), portsInUse: ['22/tcp', '8080/tcp'] };
  assert.equal(pool.setNode(w1), false, 'a port taken frees nothing');
  pool.set('t0', task('t0', { ports: [{ containerPort: 53, hostPort: 53, protocol: 'udp' }] }), 'w1');
  assert.deepEqual([...pooled(pool, 'w1').usedPorts].sort(), ['22/tcp', '53/udp', '8080/tcp']);
  const p = pool.choose(asks8080, 'w1');
  assert.ok(p.ok && p.nodeId === 'w2', 'placed beside the port held on w1, not on it');

  pool.setNode(entry('w2', { state: 'Down' }));
  const none = pool.choose(asks8080);
  assert.ok(!none.ok);
  assert.match(explain(none.explanation), /host port 8080\/tcp held outside Poseidon/);
  const asks53 = pool.choose(task('t2', { ports: [{ containerPort: 53, hostPort: 53, protocol: 'udp' }] }));
  assert.ok(!asks53.ok);
  assert.match(explain(asks53.explanation), /1 host port 53\/udp in use,/, "a task's port is in use, not held outside");

  w1.metrics = { ...w1.metrics, portsInUse: ['22/tcp'] };
  assert.equal(pool.setNode(w1), true, 'a freed port is room that grew');
  assert.deepEqual([...pooled(pool, 'w1').usedPorts].sort(), ['22/tcp', '53/udp'], "the task's port stays");
  assert.equal(pool.setNode(w1), false, 'the same ports again change nothing');
  const now = pool.choose(asks8080);
  assert.ok(now.ok && now.nodeId === 'w1');
  pool.set('t0', task('t0'), null);
  assert.deepEqual([...pooled(pool, 'w1').usedPorts], ['22/tcp'], 'a release keeps the ports held outside');
});

test('a host port on one address is held there: another address of the port fits beside it, every address does not', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  const at = (id: string, hostIp?: string): TaskRequest =>
    task(id, { ports: [{ ...PORT_8080[0]!, ...(hostIp === undefined ? {} : { hostIp }) }] });
  pool.set('t1', at('t1', '127.0.0.1'), 'w1');
  assert.deepEqual([...pooled(pool, 'w1').usedPorts], ['127.0.0.1:8080/tcp']);
  const beside = pool.choose(at('t2', '127.0.0.2'));
  assert.ok(beside.ok && beside.nodeId === 'w1', '127.0.0.2:8080 beside 127.0.0.1:8080');
  pool.set('t2', at('t2', '127.0.0.2'), 'w1');
  const everywhere = pool.choose(at('t3'));
  assert.ok(!everywhere.ok);
  assert.match(explain(everywhere.explanation), /host port 127\.0\.0\.1:8080\/tcp in use/);
  assert.ok(!pool.choose(at('t3', '127.0.0.1')).ok, 'nor the same address');

  // start-first: a new replica on 127.0.0.1:8080 has room only once the old one (t1) is gone, and none on
  // 127.0.0.3:8080 is held by it, which fits now
  assert.equal(pool.roomHeldBy(at('t4', '127.0.0.1'), ['t1']), 'w1');
  assert.equal(pool.roomHeldBy(at('t4', '127.0.0.3'), ['t1']), undefined);
  assert.equal(pool.roomHeldBy(at('t4'), ['t1']), undefined, 'on every address, t2 holds it too');
});

test('a task that moves is released on the node it left and charged on the one it joined; a new generation alone changes nothing', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  pool.setNode(entry('w2'));
  const t1 = task('t1', { memoryBytes: GiB });
  pool.set('t1', t1, 'w1', 1);
  pool.set('t1', t1, 'w1', 2);
  assert.equal(pooled(pool, 'w1').taskCount, 1);
  assert.equal(pool.set('t1', t1, 'w2', 3), true, 'leaving w1 frees capacity');
  assert.equal(pooled(pool, 'w1').allocated.memoryBytes, 0);
  assert.equal(pooled(pool, 'w2').allocated.memoryBytes, GiB);
  assert.deepEqual([...pool.of('w2').tasks], ['t1']);
});

test('tasks charged before their node is known, or while it waits to join, are in its view when it joins', () => {
  const pool = newPool();
  // a manager restart loads every task, and the nodes come back as Unknown
  pool.set('t1', task('t1', { memoryBytes: GiB }), 'w1');
  pool.setNode(entry('w1', { state: 'Unknown' }));
  pool.set('t2', task('t2', { memoryBytes: GiB }), 'w1');
  const w1 = pooled(pool, 'w1');
  assert.equal(w1.up, false);
  assert.deepEqual(load(w1), {
    allocated: { cpuCores: 0, memoryBytes: 2 * GiB, diskBytes: 0 },
    taskCount: 2,
    usedPorts: [],
  });
});

test('a node registering again with another capacity keeps what is charged on it', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  pool.set('t1', task('t1', { memoryBytes: 4 * GiB }), 'w1');
  pool.setNode(entry('w1', { memoryGiB: 6 }));
  const w1 = pooled(pool, 'w1');
  assert.equal(w1.capacity.memoryBytes, 6 * GiB);
  assert.equal(w1.allocated.memoryBytes, 4 * GiB);
});

test('a heartbeat brings measured cpu and memory into the pool', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  assert.equal(pooled(pool, 'w1').cpuUsage, undefined);
  pool.setNode(entry('w1', { cpuUsage: 0.75, memoryAvailableGiB: 12 }));
  assert.equal(pooled(pool, 'w1').cpuUsage, 0.75);
  assert.equal(pooled(pool, 'w1').memoryUsedBytes, 4 * GiB);
});

test('choose charges nothing: the pool changes only when the placement is recorded with set', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  const t1 = task('t1', { memoryBytes: GiB });
  const p = pool.choose(t1);
  assert.ok(p.ok);
  assert.equal(pooled(pool, 'w1').taskCount, 0);
  pool.set('t1', t1, p.nodeId, 1);
  assert.equal(pooled(pool, 'w1').taskCount, 1);
});

test('choose takes the preferred node when it is up and the task fits there, else the strategy picks', () => {
  const pool = newPool();
  pool.setNode(entry('w1'));
  const w2 = entry('w2', { memoryGiB: 2 });
  pool.setNode(w2);
  const small = task('small', { memoryBytes: GiB });
  const big = task('big', { memoryBytes: 4 * GiB });
  assert.deepEqual(pool.choose(small, 'w2'), { ok: true, nodeId: 'w2', score: 1 });
  // round-robin's cursor is now w2, so without a preference w1 would come next
  assert.equal((pool.choose(small, 'w2') as { nodeId: string }).nodeId, 'w2');
  assert.equal((pool.choose(big, 'w2') as { nodeId: string }).nodeId, 'w1', 'does not fit on w2');
  w2.state = 'Down';
  pool.setNode(w2);
  assert.equal((pool.choose(small, 'w2') as { nodeId: string }).nodeId, 'w1', 'w2 is down');
  assert.equal((pool.choose(small, 'gone') as { nodeId: string }).nodeId, 'w1', 'an unknown node');
});

test('a task that fits nowhere is explained over every node, down ones included', () => {
  const pool = newPool();
  pool.setNode(entry('w1', { memoryGiB: 4 }));
  pool.setNode(entry('w2', { state: 'Down' }));
  pool.set('t1', task('t1', { memoryBytes: GiB }), 'w1');
  const p = pool.choose(task('huge', { memoryBytes: 8 * GiB }));
  assert.ok(!p.ok);
  assert.equal(
    explain(p.explanation),
    '0/2 nodes can run huge: 1 node down, 1 not enough free memory (needs 8 GiB; most free 3 GiB on node-w1)',
  );
});

// ---- the invariant ----

const NODES = ['a', 'b', 'c'] as const;
/** Tenths of a core do not add up exactly: the pool must hold the books' sums to the bit, and the model's to within rounding. */
const TASKS: readonly TaskRequest[] = Array.from({ length: 6 }, (_, i) =>
  task(`t${i}`, {
    cpuCores: (i + 1) / 10,
    memoryBytes: (i + 1) * MiB,
    diskBytes: i * MiB,
    ports: i % 2 === 0 ? PORT_8080 : [],
  }),
);

type Op =
  | { kind: 'charge'; task: number; node: number | null; generation: number }
  | { kind: 'node'; node: number; state: NodeState; memoryGiB: number; cpuUsage: number | undefined }
  | { kind: 'read' };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('charge' as const),
    task: fc.nat({ max: TASKS.length - 1 }),
    node: fc.option(fc.nat({ max: NODES.length - 1 }), { nil: null }),
    generation: fc.nat({ max: 3 }),
  }),
  fc.record({
    kind: fc.constant('node' as const),
    node: fc.nat({ max: NODES.length - 1 }),
    state: fc.constantFrom<NodeState>('Up', 'Down', 'Unknown'),
    memoryGiB: fc.integer({ min: 1, max: 4 }),
    cpuUsage: fc.option(fc.constantFrom(0, 0.5, 1), { nil: undefined }),
  }),
  fc.constant({ kind: 'read' as const }),
);

test('after any sequence of charges, node changes and reads, each pooled node is its latest entry plus the sum of the tasks charged there', () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
      const pool = newPool();
      const chargedTo = new Map<number, number>(); // task -> node, the model
      const entries = new Map<number, NodeEntry>();
      for (const op of ops) {
        if (op.kind === 'charge') {
          const t = TASKS[op.task] as TaskRequest;
          pool.set(t.id, t, op.node === null ? null : (NODES[op.node] as string), op.generation);
          if (op.node === null) chargedTo.delete(op.task);
          else chargedTo.set(op.task, op.node);
        } else if (op.kind === 'node') {
          const e = entry(NODES[op.node] as string, {
            state: op.state,
            memoryGiB: op.memoryGiB,
            ...(op.cpuUsage === undefined ? {} : { cpuUsage: op.cpuUsage }),
          });
          entries.set(op.node, e);
          pool.setNode(e);
        } else {
          pool.current().views();
        }
      }
      const views = pool.current().views();
      assert.deepEqual(
        views.map((v) => v.id),
        [...entries.keys()].sort().map((n) => NODES[n]),
      );
      for (const [n, e] of entries) {
        const view = pooled(pool, NODES[n] as string);
        const here = [...chargedTo].filter(([, node]) => node === n).map(([t]) => TASKS[t] as TaskRequest);
        assert.equal(view.up, e.state === 'Up');
        assert.deepEqual({ ...view.capacity }, e.record.capacity);
        assert.equal(view.cpuUsage, e.metrics?.cpuUsage);
        assert.deepEqual({ ...view.allocated }, { ...pool.of(e.record.id).resources });
        assert.ok(Math.abs(view.allocated.cpuCores - here.reduce((s, t) => s + t.cpuCores, 0)) < 1e-9);
        assert.deepEqual(load(view), {
          allocated: {
            cpuCores: view.allocated.cpuCores,
            memoryBytes: here.reduce((s, t) => s + t.memoryBytes, 0),
            diskBytes: here.reduce((s, t) => s + t.diskBytes, 0),
          },
          taskCount: here.length,
          usedPorts: here.some((t) => t.ports.length > 0) ? ['8080/tcp'] : [],
        });
      }
    }),
  );
});
