import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FILTERS, EpvmScorer, select, spreadScorer, type Scorer } from '../../../src/scheduler/index.js';
import { GiB, node, task } from './fixtures.js';

test('spread puts the replica on the node with the fewest replicas of its service, whatever the strategy prefers', () => {
  const nodes = [
    node({ id: 'w1', capacity: { memoryBytes: 16 * GiB } }),
    node({ id: 'w2', allocated: { memoryBytes: 14 * GiB } }), // epvm would rather not: its memory is nearly all taken
  ];
  const replicas = new Map([['w1', 1]]);
  const p = select(
    task(),
    nodes,
    DEFAULT_FILTERS,
    spreadScorer((id) => replicas.get(id) ?? 0, new EpvmScorer()),
  );
  assert.ok(p.ok);
  assert.equal(p.nodeId, 'w2');
});

test('between nodes with as many replicas, the strategy decides', () => {
  const prefersW3: Scorer = { name: 'test', score: (_t, n) => (n.id === 'w3' ? 1e9 : -1e9) };
  const nodes = [node({ id: 'w1' }), node({ id: 'w2' }), node({ id: 'w3' })];
  const replicas = new Map([['w1', 2]]);
  const p = select(
    task(),
    nodes,
    DEFAULT_FILTERS,
    spreadScorer((id) => replicas.get(id) ?? 0, prefersW3),
  );
  assert.ok(p.ok);
  assert.equal(p.nodeId, 'w3');
});

test('a node that cannot take the task is filtered out, spread or not', () => {
  const nodes = [node({ id: 'w1', up: false }), node({ id: 'w2' })];
  const p = select(
    task(),
    nodes,
    DEFAULT_FILTERS,
    spreadScorer((id) => (id === 'w2' ? 5 : 0), new EpvmScorer()),
  );
  assert.ok(p.ok);
  assert.equal(p.nodeId, 'w2');
});
