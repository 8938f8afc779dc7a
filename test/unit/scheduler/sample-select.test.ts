import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FILTERS,
  EpvmScorer,
  NodePool,
  RoundRobinScorer,
  Scheduler,
  cpuFilter,
  memoryFilter,
  sampleSelect,
  seededRandom,
  select,
  type NodeView,
  type Placement,
  type SampleOptions,
  type Scorer,
} from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { placeIn } from '../../../testkit/place-in.js';
import { arbNodes, arbTask } from './cluster-arbitraries.js';
import { GiB, node, port, task } from './fixtures.js';

const constant: Scorer = { name: 'constant', score: () => 0 };

/** Options that send even a 3-node cluster down the index path (the full scan is for clusters ≤ sampleSize). */
function sampling(sampleSize: number, probes = 1, seed = 7): SampleOptions {
  return { sampleSize, probes, random: seededRandom(seed) };
}

function passesAll(t: TaskRequest, n: NodeView): boolean {
  return DEFAULT_FILTERS.every((f) => f.reject(t, n) === null);
}

function tally(ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

function placedIds(placements: readonly Placement[]): string[] {
  return placements.map((p) => (p.ok ? p.nodeId : '-'));
}

test('seededRandom replays: the same seed gives the same numbers in [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(Array.from({ length: 10 }, seededRandom(43)), xs.slice(0, 10));
});

test('roundrobin through the pool spreads 10 tasks over 2 equal nodes 5/5', () => {
  const scheduler = new Scheduler(new RoundRobinScorer(), DEFAULT_FILTERS, { sampleSize: 1 });
  const pool = new NodePool([node({ id: 'w1' }), node({ id: 'w2' })]);
  const chosen = placedIds(Array.from({ length: 10 }, () => placeIn(scheduler, pool, task({ memoryBytes: GiB }))));
  assert.deepEqual(tally(chosen), { w1: 5, w2: 5 });
  assert.deepEqual(chosen.slice(0, 3), ['w1', 'w2', 'w1']);
  assert.equal(pool.get('w1')?.allocated.memoryBytes, 5 * GiB);
});

test('roundrobin through the pool takes the same turns as select, skipping infeasible nodes', () => {
  const nodes = [
    node({ id: 'w1' }),
    node({ id: 'w2', up: false }),
    node({ id: 'w3' }),
    node({ id: 'w4', allocated: { memoryBytes: 16 * GiB } }),
    node({ id: 'w5' }),
  ];
  const pool = new NodePool(nodes);
  const fast = new RoundRobinScorer();
  const full = new RoundRobinScorer();
  for (let i = 0; i < 12; i++) {
    const t = task({ memoryBytes: GiB / 4 });
    const want = select(t, pool.views(), DEFAULT_FILTERS, full);
    assert.deepEqual(sampleSelect(t, pool, DEFAULT_FILTERS, fast, sampling(1)), want);
    if (want.ok) pool.reserve(want.nodeId, t);
  }
  assert.deepEqual(fast.rotationCursor(), full.rotationCursor());
});

test("epvm through the pool: when the sample covers every feasible node, the choice is select's (hand-computed)", () => {
  // As in score-epvm.test.ts: base 16, 4 tasks per node, 1 core and 4 GiB on 4-core 16 GiB nodes.
  // light: cpu 1 + memory 2 + tasks 2 = 5; heavy: 1 + 4 + 2 = 7; full: no room for 4 GiB
  const epvm = new EpvmScorer({ base: 16, maxTasksPerNode: 4 });
  const nodes = [
    node({ id: 'full', allocated: { memoryBytes: 14 * GiB } }),
    node({ id: 'heavy', allocated: { memoryBytes: 8 * GiB }, taskCount: 1 }),
    node({ id: 'light', allocated: { memoryBytes: 4 * GiB }, taskCount: 1 }),
  ];
  const t = task({ cpuCores: 1, memoryBytes: 4 * GiB });
  for (let seed = 1; seed <= 20; seed++) {
    const p = sampleSelect(t, new NodePool(nodes), DEFAULT_FILTERS, epvm, sampling(2, 1, seed));
    assert.ok(p.ok);
    assert.equal(p.nodeId, 'light');
    assert.ok(Math.abs(p.score - -5) < 1e-9, `score ${p.score}`);
  }
});

test("a cluster no larger than the sample is scanned in full: the placement is select's", () => {
  const nodes = [
    node({ id: 'a', cpuUsage: 0.5 }),
    node({ id: 'b', allocated: { memoryBytes: 2 * GiB } }),
    node({ id: 'c', taskCount: 3 }),
  ];
  const t = task({ cpuCores: 1, memoryBytes: GiB });
  const p = sampleSelect(t, new NodePool(nodes), DEFAULT_FILTERS, new EpvmScorer(), sampling(16));
  assert.deepEqual(p, select(t, nodes, DEFAULT_FILTERS, new EpvmScorer()));
});

test("an unplaceable task gets the full scan's explanation, word for word", () => {
  const nodes = [
    node({ id: 'n1', name: 'worker-1', allocated: { memoryBytes: 15 * GiB } }),
    node({ id: 'n2', name: 'worker-2', allocated: { memoryBytes: 14.5 * GiB } }),
    node({ id: 'n3', name: 'worker-3', up: false }),
    node({ id: 'n4', name: 'worker-4', usedPorts: ['80/tcp'] }),
  ];
  const t = task({ name: 'web-1', memoryBytes: 4 * GiB, ports: [port(80)] });
  const p = sampleSelect(t, new NodePool(nodes), DEFAULT_FILTERS, new EpvmScorer(), sampling(1));
  assert.deepEqual(p, select(t, nodes, DEFAULT_FILTERS, constant));
  assert.ok(!p.ok);
  assert.equal(p.explanation.evaluated, 4);
});

test('when too many nodes pass the index but fail a filter, the full scan still finds the one that fits', () => {
  const nodes = Array.from({ length: 40 }, (_, i) =>
    node({ id: `w${String(i).padStart(2, '0')}`, usedPorts: i === 33 ? [] : ['80/tcp'] }),
  );
  const t = task({ ports: [port(80)] });
  const p = sampleSelect(t, new NodePool(nodes), DEFAULT_FILTERS, new EpvmScorer(), {
    ...sampling(4),
    maxRejections: 3,
  });
  assert.ok(p.ok);
  assert.equal(p.nodeId, 'w33');
});

test('the same seed gives the same choices; the pool fills as placeIn reserves', () => {
  const run = (seed: number): string[] => {
    const pool = new NodePool(
      Array.from({ length: 50 }, (_, i) => node({ id: `w${String(i).padStart(2, '0')}`, cpuUsage: (i % 7) / 10 })),
    );
    const scheduler = new Scheduler(new EpvmScorer(), DEFAULT_FILTERS, { random: seededRandom(seed) });
    return placedIds(
      Array.from({ length: 200 }, (_, i) =>
        placeIn(scheduler, pool, task({ cpuCores: 0.25, memoryBytes: ((i % 4) * GiB) / 8 })),
      ),
    );
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});

test('placeIn reserves the task on its node only when it is placed', () => {
  const scheduler = new Scheduler(new EpvmScorer());
  const pool = new NodePool([node({ id: 'w1' })]);
  assert.ok(placeIn(scheduler, pool, task({ memoryBytes: 12 * GiB })).ok);
  assert.equal(pool.get('w1')?.taskCount, 1);
  assert.equal(placeIn(scheduler, pool, task({ memoryBytes: 12 * GiB })).ok, false);
  assert.equal(pool.get('w1')?.taskCount, 1);
  assert.equal(pool.get('w1')?.allocated.memoryBytes, 12 * GiB);
});

test('a filter list without node-up is served by the full scan, down nodes included', () => {
  const nodes = Array.from({ length: 5 }, (_, i) => node({ id: `w${i}`, up: false }));
  const filters = [cpuFilter, memoryFilter];
  const p = sampleSelect(task(), new NodePool(nodes), filters, constant, sampling(1));
  assert.deepEqual(p, select(task(), nodes, filters, constant));
  assert.ok(p.ok);
});

test('Scheduler refuses a sample size or probe count below 1', () => {
  assert.throws(() => new Scheduler(constant, DEFAULT_FILTERS, { sampleSize: 0 }), RangeError);
  assert.throws(() => new Scheduler(constant, DEFAULT_FILTERS, { probes: 0.5 }), RangeError);
});

// Properties: a sequence of tasks placed one after another, the pool filling as it goes; the
// reference is select over the pool's nodes as they stand before each placement.

const arbSampling = fc.record({
  sampleSize: fc.integer({ min: 1, max: 4 }),
  probes: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
});

test('property: the fast path never picks a node a filter rejects, places whenever some node fits, and explains as the full scan does', () => {
  const outcomes = { placed: 0, explained: 0 };
  fc.assert(
    fc.property(arbNodes, fc.array(arbTask, { minLength: 1, maxLength: 8 }), arbSampling, (nodes, tasks, s) => {
      const pool = new NodePool(nodes);
      const scheduler = new Scheduler(new EpvmScorer(), DEFAULT_FILTERS, {
        sampleSize: s.sampleSize,
        probes: s.probes,
        random: seededRandom(s.seed),
      });
      for (const t of tasks) {
        const before = select(t, pool.views(), DEFAULT_FILTERS, constant);
        const feasible = pool.views().filter((n) => passesAll(t, n));
        const p = placeIn(scheduler, pool, t);
        outcomes[p.ok ? 'placed' : 'explained'] += 1;
        assert.equal(p.ok, feasible.length > 0);
        if (p.ok)
          assert.ok(
            feasible.some((n) => n.id === p.nodeId),
            `${p.nodeId} is not feasible`,
          );
        else assert.deepEqual(p, before);
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(outcomes.placed > 100 && outcomes.explained > 100, JSON.stringify(outcomes));
});

test("property: roundrobin through the pool makes exactly select's choices", () => {
  fc.assert(
    fc.property(arbNodes, fc.array(arbTask, { minLength: 1, maxLength: 10 }), arbSampling, (nodes, tasks, s) => {
      const pool = new NodePool(nodes);
      const fast = new RoundRobinScorer();
      const full = new RoundRobinScorer();
      const options = { ...sampling(s.sampleSize, s.probes, s.seed), maxRejections: s.seed % 4 };
      for (const t of tasks) {
        const want = select(t, pool.views(), DEFAULT_FILTERS, full);
        assert.deepEqual(sampleSelect(t, pool, DEFAULT_FILTERS, fast, options), want);
        if (want.ok) pool.reserve(want.nodeId, t);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: when one probe can visit every feasible node, the fast path picks what select picks', () => {
  fc.assert(
    fc.property(
      arbNodes.filter((ns) => ns.length >= 2),
      arbTask,
      fc.nat(),
      (nodes, t, seed) => {
        // one node short of the cluster, so the index path runs rather than the small-cluster scan
        const sampleSize = nodes.length - 1;
        fc.pre(nodes.filter((n) => passesAll(t, n)).length <= sampleSize);
        const epvm = new EpvmScorer();
        const p = sampleSelect(t, new NodePool(nodes), DEFAULT_FILTERS, epvm, {
          sampleSize,
          probes: 1,
          random: seededRandom(seed),
        });
        assert.deepEqual(p, select(t, nodes, DEFAULT_FILTERS, epvm));
      },
    ),
    { numRuns: 300 },
  );
});
