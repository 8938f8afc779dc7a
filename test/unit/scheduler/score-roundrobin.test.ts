import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FILTERS, RoundRobinScorer, select, type NodeView } from '../../../src/scheduler/index.js';
import { GiB, node, task } from './fixtures.js';

/** Places `count` tasks one after another with one scorer; returns the chosen node ids in order. */
function placeMany(scorer: RoundRobinScorer, nodes: readonly NodeView[], count: number): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = select(task({ id: `t-${i}`, name: `web-${i}` }), nodes, DEFAULT_FILTERS, scorer);
    assert.ok(p.ok, `task ${i} should be placed`);
    chosen.push(p.nodeId);
  }
  return chosen;
}

function tally(ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

test('roundrobin spreads 10 tasks over 2 equal nodes 5/5', () => {
  const chosen = placeMany(new RoundRobinScorer(), [node({ id: 'w1' }), node({ id: 'w2' })], 10);
  assert.deepEqual(tally(chosen), { w1: 5, w2: 5 });
});

test('roundrobin spreads 10 tasks over 3 nodes 4/3/3, in turn', () => {
  const chosen = placeMany(new RoundRobinScorer(), [node({ id: 'w1' }), node({ id: 'w2' }), node({ id: 'w3' })], 10);
  assert.deepEqual(tally(chosen), { w1: 4, w2: 3, w3: 3 });
  assert.deepEqual(chosen.slice(0, 4), ['w1', 'w2', 'w3', 'w1']);
});

test('roundrobin skips infeasible nodes', () => {
  const nodes = [
    node({ id: 'w1' }),
    node({ id: 'w2', up: false }),
    node({ id: 'w3' }),
    node({ id: 'w4', allocated: { memoryBytes: 16 * GiB } }),
  ];
  const scorer = new RoundRobinScorer();
  const chosen: string[] = [];
  for (let i = 0; i < 10; i++) {
    const p = select(task({ memoryBytes: GiB }), nodes, DEFAULT_FILTERS, scorer);
    assert.ok(p.ok);
    chosen.push(p.nodeId);
  }
  assert.deepEqual(tally(chosen), { w1: 5, w3: 5 });
});

test('roundrobin order does not depend on the order of the node list', () => {
  const nodes = [node({ id: 'w1' }), node({ id: 'w2' }), node({ id: 'w3' })];
  const forward = placeMany(new RoundRobinScorer(), nodes, 7);
  const backward = placeMany(new RoundRobinScorer(), [...nodes].reverse(), 7);
  assert.deepEqual(backward, forward);
});

test('roundrobin keeps rotating when the feasible set changes', () => {
  const scorer = new RoundRobinScorer();
  const [a, b, c] = [node({ id: 'a' }), node({ id: 'b' }), node({ id: 'c' })];
  assert.deepEqual(placeMany(scorer, [a, b, c], 2), ['a', 'b']);
  // b's successor c goes down: the turn passes to the next feasible node, wrapping to a
  assert.deepEqual(placeMany(scorer, [a, b, { ...c, up: false }], 1), ['a']);
  // a node that joins between a and b gets its turn in id order, then rotation goes on
  const ab = node({ id: 'ab' });
  assert.deepEqual(placeMany(scorer, [a, ab, b, c], 5), ['ab', 'b', 'c', 'a', 'ab']);
  // the last chosen node leaves: the cursor is an id, so rotation continues after where it was
  assert.deepEqual(placeMany(scorer, [a, b, c], 3), ['b', 'c', 'a']);
});

test('roundrobin instances keep separate cursors', () => {
  const nodes = [node({ id: 'w1' }), node({ id: 'w2' })];
  const first = new RoundRobinScorer();
  placeMany(first, nodes, 1);
  assert.deepEqual(placeMany(new RoundRobinScorer(), nodes, 1), ['w1']);
  assert.deepEqual(placeMany(first, nodes, 1), ['w2']);
});
