import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FILTERS,
  EpvmScorer,
  RoundRobinScorer,
  select,
  type NodeView,
  type Scorer,
} from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { arbNode, arbTask } from './cluster-arbitraries.js';
import { GiB, node, port, task } from './fixtures.js';

const constant: Scorer = { name: 'constant', score: () => 0 };

test('select returns the highest-scoring node that passes every filter', () => {
  const byName: Scorer = { name: 'by-capacity', score: (_t, n) => n.capacity.cpuCores };
  const nodes = [
    node({ id: 'w1', capacity: { cpuCores: 2 } }),
    node({ id: 'w2', capacity: { cpuCores: 8 } }),
    node({ id: 'w3', capacity: { cpuCores: 16 }, up: false }),
  ];
  assert.deepEqual(select(task(), nodes, DEFAULT_FILTERS, byName), { ok: true, nodeId: 'w2', score: 8 });
});

test('select breaks score ties by the smaller node id, whatever the input order', () => {
  const nodes = [node({ id: 'w3' }), node({ id: 'w1' }), node({ id: 'w2' })];
  assert.deepEqual(select(task(), nodes, DEFAULT_FILTERS, constant), { ok: true, nodeId: 'w1', score: 0 });
  assert.deepEqual(select(task(), [...nodes].reverse(), DEFAULT_FILTERS, constant), {
    ok: true,
    nodeId: 'w1',
    score: 0,
  });
});

test('select tells the scorer the chosen node once, and only on success', () => {
  const seen: string[] = [];
  const recording: Scorer = { name: 'recording', score: () => 0, placed: (_t, n) => void seen.push(n.id) };
  select(task(), [node({ id: 'w2' }), node({ id: 'w1' })], DEFAULT_FILTERS, recording);
  select(task(), [node({ id: 'w1', up: false })], DEFAULT_FILTERS, recording);
  assert.deepEqual(seen, ['w1']);
});

test('select explains a failure with counts per reason and the closest miss', () => {
  const nodes = [
    node({ id: 'n1', name: 'worker-1', allocated: { memoryBytes: 15 * GiB } }), // 1 GiB free
    node({ id: 'n2', name: 'worker-2', allocated: { memoryBytes: 14.5 * GiB } }), // 1.5 GiB free
    node({ id: 'n3', name: 'worker-3', up: false }),
  ];
  const p = select(task({ name: 'web-1', memoryBytes: 4 * GiB }), nodes, DEFAULT_FILTERS, constant);
  assert.deepEqual(p, {
    ok: false,
    explanation: {
      taskName: 'web-1',
      evaluated: 3,
      rejected: new Map([
        ['not enough free memory', 2],
        ['node down', 1],
      ]),
      closestMiss: {
        reason: 'not enough free memory',
        resource: 'memory',
        needed: 4 * GiB,
        free: 1.5 * GiB,
        nodeId: 'n2',
        nodeName: 'worker-2',
      },
    },
  });
});

test('select counts each node once, under the first filter that rejects it', () => {
  // down, short of cpu and with the port taken: counted as down only
  const everything = node({ id: 'w1', up: false, allocated: { cpuCores: 4 }, usedPorts: ['80/tcp'] });
  // short of cpu and with the port taken: counted as cpu (resources run before ports)
  const cpuAndPort = node({ id: 'w2', allocated: { cpuCores: 4 }, usedPorts: ['80/tcp'] });
  const portOnly = node({ id: 'w3', usedPorts: ['80/tcp'] });
  const p = select(
    task({ cpuCores: 1, ports: [port(80)] }),
    [everything, cpuAndPort, portOnly],
    DEFAULT_FILTERS,
    constant,
  );
  assert.ok(!p.ok);
  assert.deepEqual(
    p.explanation.rejected,
    new Map([
      ['node down', 1],
      ['not enough free cpu', 1],
      ['host port 80/tcp in use', 1],
    ]),
  );
});

test('select names the closest miss of the resource that rejected the most nodes', () => {
  const nodes = [
    node({ id: 'c1', allocated: { cpuCores: 3.5 } }),
    node({ id: 'm1', allocated: { memoryBytes: 14 * GiB } }),
    node({ id: 'm2', allocated: { memoryBytes: 12 * GiB } }),
  ];
  const p = select(task({ cpuCores: 1, memoryBytes: 8 * GiB }), nodes, DEFAULT_FILTERS, constant);
  assert.ok(!p.ok);
  assert.deepEqual(p.explanation.closestMiss, {
    reason: 'not enough free memory',
    resource: 'memory',
    needed: 8 * GiB,
    free: 4 * GiB,
    nodeId: 'm2',
    nodeName: 'm2',
  });
});

test('select has no closest miss when no resource filter rejected a node', () => {
  const p = select(
    task({ ports: [port(80)] }),
    [node({ id: 'w1', usedPorts: ['80/tcp'] }), node({ id: 'w2', up: false })],
    DEFAULT_FILTERS,
    constant,
  );
  assert.ok(!p.ok);
  assert.equal(p.explanation.closestMiss, undefined);
  assert.equal('closestMiss' in p.explanation, false);
});

test('select with no nodes explains that none were evaluated', () => {
  assert.deepEqual(select(task(), [], DEFAULT_FILTERS, constant), {
    ok: false,
    explanation: { taskName: 'web-1', evaluated: 0, rejected: new Map() },
  });
});

// Properties, over the random nodes and tasks of cluster-arbitraries.ts (small, so full nodes and
// taken ports are common); from no nodes up to 8, since select must explain an empty cluster too.
const arbNodes = fc.uniqueArray(arbNode, { selector: (n) => n.id, maxLength: 8 });
const arbScorer = fc.constantFrom<() => Scorer>(
  () => new EpvmScorer(),
  () => new RoundRobinScorer(),
  () => constant,
);

function passesAll(t: TaskRequest, n: NodeView): boolean {
  return DEFAULT_FILTERS.every((f) => f.reject(t, n) === null);
}

test('property: select never returns a node that a filter rejects, and places whenever some node passes all filters', () => {
  const outcomes = { placed: 0, explained: 0 };
  fc.assert(
    fc.property(arbTask, arbNodes, arbScorer, (t, nodes, makeScorer) => {
      const p = select(t, nodes, DEFAULT_FILTERS, makeScorer());
      outcomes[p.ok ? 'placed' : 'explained'] += 1;
      const feasible = nodes.filter((n) => passesAll(t, n));
      if (p.ok) {
        const chosen = nodes.find((n) => n.id === p.nodeId);
        assert.ok(chosen !== undefined && passesAll(t, chosen));
      } else {
        assert.equal(feasible.length, 0);
        assert.equal(p.explanation.evaluated, nodes.length);
        assert.equal(
          [...p.explanation.rejected.values()].reduce((a, b) => a + b, 0),
          nodes.length,
        );
      }
      assert.equal(p.ok, feasible.length > 0);
    }),
    { numRuns: 500 },
  );
  // the generators must reach both outcomes, or the property proves nothing
  assert.ok(outcomes.placed > 100 && outcomes.explained > 100, JSON.stringify(outcomes));
});

test('property: with a pure scorer select picks the best feasible score, ties to the smaller id', () => {
  fc.assert(
    fc.property(arbTask, arbNodes, (t, nodes) => {
      const scorer = new EpvmScorer();
      const p = select(t, nodes, DEFAULT_FILTERS, scorer);
      if (!p.ok) return;
      for (const n of nodes) {
        if (!passesAll(t, n)) continue;
        const s = scorer.score(t, n);
        assert.ok(
          s < p.score || (s === p.score && n.id >= p.nodeId),
          `${n.id} scores ${s}, beating ${p.nodeId} at ${p.score}`,
        );
      }
    }),
  );
});
