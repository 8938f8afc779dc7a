import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestOf } from '../../../src/api/index.js';
import { Allocations } from '../../../src/manager/allocations.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

const MiB = 2 ** 20;

function task(id: string, fields: Partial<TaskRequest> = {}): TaskRequest {
  return taskRequest(id, { cpuCores: 0.5, memoryBytes: 256 * MiB, diskBytes: MiB, ...fields });
}

test('charging a task adds its request, a task and its host ports to the node', () => {
  const a = new Allocations();
  const t1 = task('t1', {
    ports: [
      { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
      { containerPort: 53, hostPort: 0, protocol: 'udp' },
    ],
  });
  assert.equal(a.set('t1', t1, 'w1'), false);
  const w1 = a.of('w1');
  assert.deepEqual(w1.resources, { cpuCores: 0.5, memoryBytes: 256 * MiB, diskBytes: MiB });
  assert.equal(w1.count, 1);
  assert.deepEqual([...w1.ports], [['8080/tcp', 1]]);
  assert.deepEqual([...w1.tasks], ['t1']);
  assert.equal(a.of('w2').count, 0);
});

test('moving a task to another node releases it from the first and says capacity grew', () => {
  const a = new Allocations();
  a.set('t1', task('t1'), 'w1');
  a.set('t2', task('t2'), 'w1');
  assert.equal(a.set('t1', task('t1'), 'w2'), true);
  assert.equal(a.of('w1').count, 1);
  assert.deepEqual([...a.of('w1').tasks], ['t2']);
  assert.deepEqual(a.of('w1').resources, { cpuCores: 0.5, memoryBytes: 256 * MiB, diskBytes: MiB });
  assert.deepEqual([...a.of('w2').tasks], ['t1']);
});

test('a task charged to no node holds nothing; releasing it twice changes nothing the second time', () => {
  const a = new Allocations();
  a.set('t1', task('t1', { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }), 'w1');
  assert.equal(a.set('t1', task('t1'), null), true);
  assert.equal(a.set('t1', task('t1'), null), false);
  assert.deepEqual(a.of('w1').resources, { cpuCores: 0, memoryBytes: 0, diskBytes: 0 });
  assert.equal(a.of('w1').count, 0);
  assert.equal(a.of('w1').ports.size, 0);
});

test('setting a task to the node it is already charged to is a no-op', () => {
  const a = new Allocations();
  a.set('t1', task('t1'), 'w1');
  assert.equal(a.set('t1', task('t1'), 'w1'), false);
  assert.equal(a.of('w1').count, 1);
  assert.equal(a.of('w1').resources.cpuCores, 0.5);
});

test('a host port stays in use until the last task holding it on the node is released', () => {
  const a = new Allocations();
  const port = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as const }];
  a.set('t1', task('t1', { ports: port }), 'w1');
  a.set('t2', task('t2', { ports: port }), 'w1');
  a.set('t1', task('t1', { ports: port }), null);
  assert.deepEqual([...a.of('w1').ports], [['8080/tcp', 1]]);
  a.set('t2', task('t2', { ports: port }), null);
  assert.equal(a.of('w1').ports.size, 0);
});

test('the ports the engine bound for a task are held on its node beside requested ones, and go with it', () => {
  const a = new Allocations();
  const fixed = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as const }];
  a.set('t1', task('t1', { ports: fixed }), 'w1');
  a.set('t2', task('t2'), 'w1');
  assert.equal(a.setBound('t2', ['32768/tcp']), true);
  assert.equal(a.setBound('t2', ['32768/tcp']), false, 'the same ports again change nothing');
  assert.deepEqual([...a.of('w1').ports].sort(), [
    ['32768/tcp', 1],
    ['8080/tcp', 1],
  ]);
  assert.equal(a.setBound('t2', ['32769/tcp']), true, 'a restart bound another');
  assert.deepEqual([...a.of('w1').ports].sort(), [
    ['32769/tcp', 1],
    ['8080/tcp', 1],
  ]);
  assert.equal(a.setBound('t9', ['1/tcp']), false, 'a task charged nowhere holds nothing');
  a.set('t2', task('t2'), null);
  assert.deepEqual([...a.of('w1').ports], [['8080/tcp', 1]]);
});

// ---- property: kept current step by step, it always equals a sum made from scratch ----

const NODES = ['w1', 'w2', 'w3'] as const;
const TASK_IDS = ['t0', 't1', 't2', 't3', 't4', 't5'] as const;

const arbRequest = (id: string): fc.Arbitrary<TaskRequest> =>
  fc
    .record({
      cpuCores: fc.constantFrom(0, 0.01, 0.25, 1, 2),
      memoryBytes: fc.constantFrom(0, 4 * MiB, 256 * MiB),
      diskBytes: fc.constantFrom(0, MiB),
      hostPort: fc.constantFrom(0, 8080, 9090),
    })
    .map((f) =>
      task(id, {
        cpuCores: f.cpuCores,
        memoryBytes: f.memoryBytes,
        diskBytes: f.diskBytes,
        ports: f.hostPort === 0 ? [] : [{ containerPort: 80, hostPort: f.hostPort, protocol: 'tcp' }],
      }),
    );

const arbSteps = fc.tuple(
  fc.tuple(...TASK_IDS.map(arbRequest)),
  fc.array(
    fc.tuple(
      fc.nat({ max: TASK_IDS.length - 1 }),
      fc.option(fc.constantFrom(...NODES), { nil: null }),
      fc.nat({ max: 3 }),
    ),
    { maxLength: 40 },
  ),
);

test('after any sequence of moves, each node holds exactly the sum of the tasks charged to it, and their digest', () => {
  fc.assert(
    fc.property(arbSteps, ([requests, steps]) => {
      const a = new Allocations();
      const where = new Map<number, string | null>();
      const generations = new Map<number, number>();
      for (const [i, nodeId, generation] of steps) {
        const request = requests[i];
        if (request === undefined) continue;
        const before = where.get(i) ?? null;
        const grew = a.set(request.id, request, nodeId, generation);
        assert.equal(
          grew,
          before !== null && before !== nodeId,
          'capacity grows exactly when a charged task leaves its node',
        );
        where.set(i, nodeId);
        generations.set(i, generation);
      }
      for (const nodeId of NODES) {
        const mine = [...where].filter(([, n]) => n === nodeId).map(([i]) => requests[i] as TaskRequest);
        const got = a.of(nodeId);
        assert.equal(got.count, mine.length);
        assert.deepEqual([...got.tasks].sort(), mine.map((r) => r.id).sort());
        const near = (x: number, y: number): boolean => Math.abs(x - y) < 1e-9;
        assert.ok(
          near(
            got.resources.cpuCores,
            mine.reduce((s, r) => s + r.cpuCores, 0),
          ),
          `cpu on ${nodeId}`,
        );
        assert.equal(
          got.resources.memoryBytes,
          mine.reduce((s, r) => s + r.memoryBytes, 0),
        );
        assert.equal(
          got.resources.diskBytes,
          mine.reduce((s, r) => s + r.diskBytes, 0),
        );
        const ports = new Map<string, number>();
        for (const r of mine)
          for (const p of r.ports)
            if (p.hostPort !== 0)
              ports.set(`${p.hostPort}/${p.protocol}`, (ports.get(`${p.hostPort}/${p.protocol}`) ?? 0) + 1);
        assert.deepEqual(new Map(got.ports), ports);
        const charged = [...where]
          .filter(([, n]) => n === nodeId)
          .map(([i]) => ({ taskId: (requests[i] as TaskRequest).id, generation: generations.get(i) ?? 0 }));
        assert.deepEqual(got.digest.value, digestOf(charged), `digest on ${nodeId}`);
      }
    }),
  );
});

test('cpu charged and released in tenths leaves no float residue behind (a node showed "0." cores)', () => {
  const a = new Allocations();
  a.set('any', task('any', { cpuCores: 0 }), 'w1'); // keeps the node's entry while the others come and go
  a.set('t1', task('t1', { cpuCores: 0.1 }), 'w1');
  a.set('t2', task('t2', { cpuCores: 0.2 }), 'w1');
  a.set('t3', task('t3', { cpuCores: 0.7 }), 'w1');
  assert.equal(a.of('w1').resources.cpuCores, 1);
  a.set('t1', task('t1', { cpuCores: 0.1 }), null);
  a.set('t3', task('t3', { cpuCores: 0.7 }), null);
  a.set('t2', task('t2', { cpuCores: 0.2 }), null);
  assert.equal(a.of('w1').resources.cpuCores, 0); // without rounding: 2.7755575615628914e-17
});
