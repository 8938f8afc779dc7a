import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FILTERS,
  EpvmScorer,
  isStrategyName,
  RoundRobinScorer,
  Scheduler,
  STRATEGY_NAMES,
  strategyByName,
} from '../../../src/scheduler/index.js';
import { GiB, node, task } from './fixtures.js';

test('strategyByName builds the named scorer', () => {
  assert.ok(strategyByName('roundrobin') instanceof RoundRobinScorer);
  assert.ok(strategyByName('epvm') instanceof EpvmScorer);
  for (const name of STRATEGY_NAMES) assert.equal(strategyByName(name).name, name);
});

test('strategyByName returns a new instance on each call', () => {
  assert.notEqual(strategyByName('roundrobin'), strategyByName('roundrobin'));
  assert.notEqual(strategyByName('epvm'), strategyByName('epvm'));
});

test('isStrategyName accepts exactly the strategy names', () => {
  assert.deepEqual([...STRATEGY_NAMES], ['roundrobin', 'epvm']);
  assert.equal(isStrategyName('epvm'), true);
  assert.equal(isStrategyName('binpack'), false);
});

test('DEFAULT_FILTERS run cheapest first: node-up, constraints, host-paths, capabilities, spec-fields, cpu, memory, disk, ports', () => {
  assert.deepEqual(
    DEFAULT_FILTERS.map((f) => f.name),
    ['node-up', 'constraints', 'host-paths', 'capabilities', 'spec-fields', 'cpu', 'memory', 'disk', 'ports'],
  );
  assert.ok(Object.isFrozen(DEFAULT_FILTERS));
});

test('Scheduler places with its strategy and the default filters', () => {
  const scheduler = new Scheduler(strategyByName('roundrobin'));
  const nodes = [node({ id: 'w1' }), node({ id: 'w2', up: false }), node({ id: 'w3' })];
  const placed = [0, 1, 2].map(() => scheduler.place(task(), nodes));
  assert.deepEqual(
    placed.map((p) => (p.ok ? p.nodeId : '-')),
    ['w1', 'w3', 'w1'],
  );
  assert.equal(scheduler.place(task({ memoryBytes: 32 * GiB }), nodes).ok, false);
});
