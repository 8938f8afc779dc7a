import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FILTERS, EpvmScorer, select, type EpvmCost, type NodeView } from '../../../src/scheduler/index.js';
import { GiB, node, task } from './fixtures.js';

// Hand-computed cases use base 16 and 4 tasks per node, so every utilization is a multiple of
// 1/4 and every power is a whole number: 16^0 = 1, 16^0.25 = 2, 16^0.5 = 4, 16^0.75 = 8, 16^1 = 16.
// Nodes have 4 cores and 16 GiB, so a task of 1 core and 4 GiB is a step of 0.25 in each.
const epvm = new EpvmScorer({ base: 16, maxTasksPerNode: 4 });
const oneCoreFourGiB = task({ cpuCores: 1, memoryBytes: 4 * GiB });

function assertCost(actual: EpvmCost, want: EpvmCost): void {
  for (const k of ['cpu', 'memory', 'tasks', 'total'] as const) {
    assert.ok(Math.abs(actual[k] - want[k]) < 1e-9, `${k}: got ${actual[k]}, want ${want[k]}`);
  }
}

function assertClose(actual: number, want: number): void {
  assert.ok(Math.abs(actual - want) < 1e-9, `got ${actual}, want ${want}`);
}

/**
 * Both costs are as computed by hand, and select places the task on `winner` with its cost as the
 * (negated) score. The loser has the smaller id and comes first, so a tie would pick the loser.
 */
function assertPrefers(winner: NodeView, winnerCost: EpvmCost, loser: NodeView, loserCost: EpvmCost): void {
  assert.ok(loser.id < winner.id, 'the loser needs the smaller id, so that a tie picks it and fails');
  assertCost(epvm.costParts(oneCoreFourGiB, winner), winnerCost);
  assertCost(epvm.costParts(oneCoreFourGiB, loser), loserCost);
  const p = select(oneCoreFourGiB, [loser, winner], DEFAULT_FILTERS, epvm);
  assert.ok(p.ok);
  assert.equal(p.nodeId, winner.id);
  assertClose(p.score, -winnerCost.total);
}

test('epvm prefers the node with less memory allocated', () => {
  const light = node({ id: 'light', allocated: { memoryBytes: 4 * GiB }, taskCount: 1 });
  const heavy = node({ id: 'heavy', allocated: { memoryBytes: 8 * GiB }, taskCount: 1 });
  // cpu    both:  0    -> 0.25: 16^0.25 - 16^0    = 2 - 1 = 1
  // memory light: 0.25 -> 0.5:  16^0.5  - 16^0.25 = 4 - 2 = 2
  //        heavy: 0.5  -> 0.75: 16^0.75 - 16^0.5  = 8 - 4 = 4
  // tasks  both:  1/4  -> 2/4:  16^0.5  - 16^0.25 = 4 - 2 = 2
  // total  light: 1 + 2 + 2 = 5; heavy: 1 + 4 + 2 = 7
  assertPrefers(light, { cpu: 1, memory: 2, tasks: 2, total: 5 }, heavy, { cpu: 1, memory: 4, tasks: 2, total: 7 });
  assertClose(epvm.score(oneCoreFourGiB, heavy), -7);
});

test('epvm prefers the node with idle cpu when memory is equal', () => {
  const busy = node({ id: 'busy', allocated: { memoryBytes: 4 * GiB }, taskCount: 1, cpuUsage: 0.5 });
  const idle = node({ id: 'idle', allocated: { memoryBytes: 4 * GiB }, taskCount: 1, cpuUsage: 0 });
  // cpu    busy: u = max(0/4, 0.5) = 0.5 -> 0.75: 16^0.75 - 16^0.5 = 8 - 4 = 4
  //        idle: u = max(0/4, 0)   = 0   -> 0.25: 16^0.25 - 16^0   = 2 - 1 = 1
  // memory both: 0.25 -> 0.5: 4 - 2 = 2;  tasks both: 0.25 -> 0.5: 4 - 2 = 2
  // total  busy: 4 + 2 + 2 = 8; idle: 1 + 2 + 2 = 5
  // (an implementation whose cpu term cancels out would score both 0 + 2 + 2 = 4: a tie)
  assertPrefers(idle, { cpu: 1, memory: 2, tasks: 2, total: 5 }, busy, { cpu: 4, memory: 2, tasks: 2, total: 8 });
});

test('epvm counts allocated cpu when nothing is measured', () => {
  const reserved = node({ id: 'a-reserved', allocated: { cpuCores: 2 } });
  const free = node({ id: 'b-free' });
  // cpu reserved: 2/4 = 0.5 -> 0.75: 8 - 4 = 4; free: 0 -> 0.25: 2 - 1 = 1
  // memory both: 0 -> 0.25: 2 - 1 = 1;  tasks both: 0 -> 0.25: 2 - 1 = 1
  assertPrefers(free, { cpu: 1, memory: 1, tasks: 1, total: 3 }, reserved, { cpu: 4, memory: 1, tasks: 1, total: 6 });
});

test('epvm uses the larger of allocated and measured cpu', () => {
  // allocated 3/4 = 0.75 beats measured 0.25: 0.75 -> 1: 16 - 8 = 8
  const n = node({ id: 'w1', allocated: { cpuCores: 3 }, cpuUsage: 0.25 });
  assertClose(epvm.costParts(oneCoreFourGiB, n).cpu, 8);
  // measured 0.5 beats allocated 1/4 = 0.25: 0.5 -> 0.75: 8 - 4 = 4
  assertClose(
    epvm.costParts(oneCoreFourGiB, { ...n, allocated: { ...n.allocated, cpuCores: 1 }, cpuUsage: 0.5 }).cpu,
    4,
  );
});

test('epvm prefers the node with fewer tasks when cpu and memory are equal', () => {
  const crowded = node({ id: 'crowded', taskCount: 2 });
  const quiet = node({ id: 'quiet', taskCount: 0 });
  // cpu both: 0 -> 0.25: 1;  memory both: 0 -> 0.25: 1
  // tasks crowded: 2/4 -> 3/4: 8 - 4 = 4; quiet: 0 -> 1/4: 2 - 1 = 1
  // total crowded: 1 + 1 + 4 = 6; quiet: 1 + 1 + 1 = 3
  assertPrefers(quiet, { cpu: 1, memory: 1, tasks: 1, total: 3 }, crowded, { cpu: 1, memory: 1, tasks: 4, total: 6 });
});

test('epvm charges a task without a cpu request as 0.1 core', () => {
  // a node of 0.4 cores makes 0.1 core a step of 0.25: 16^0.25 - 16^0 = 1
  // memory request 0: no rise; tasks 0 -> 1/4: 1
  const small = node({ id: 'w1', capacity: { cpuCores: 0.4 } });
  assertCost(epvm.costParts(task(), small), { cpu: 1, memory: 0, tasks: 1, total: 2 });
});

test('epvm spreads tasks without requests away from a busy cpu', () => {
  const busy = node({ id: 'a-busy', cpuUsage: 0.9 });
  const idle = node({ id: 'b-idle', cpuUsage: 0.1 });
  const p = select(task(), [busy, idle], DEFAULT_FILTERS, epvm);
  assert.ok(p.ok);
  assert.equal(p.nodeId, 'b-idle');
});

test('epvm defaults: base 16 and 100 tasks per node', () => {
  const scorer = new EpvmScorer();
  const n = node({ id: 'w1', allocated: { cpuCores: 1, memoryBytes: 8 * GiB }, taskCount: 10 });
  // cpu 0.25 -> 0.5, memory 0.5 -> 0.75, tasks 0.10 -> 0.11
  const want = { cpu: 4 - 2, memory: 8 - 4, tasks: 16 ** 0.11 - 16 ** 0.1 };
  assertCost(scorer.costParts(oneCoreFourGiB, n), { ...want, total: want.cpu + want.memory + want.tasks });
  assertClose(scorer.score(oneCoreFourGiB, n), -(want.cpu + want.memory + want.tasks));
});

test('epvm treats a node that reports no cpu as full, not as a division by zero', () => {
  const none = node({ id: 'w1', capacity: { cpuCores: 0 } });
  // u = 0 (nothing allocated), d = 1 (any cpu is a whole node's worth): 16 - 1 = 15
  assertClose(epvm.costParts(task(), none).cpu, 15);
  assert.ok(Number.isFinite(epvm.score(oneCoreFourGiB, none)));
});

test('epvm refuses a base that would not grow', () => {
  assert.throws(() => new EpvmScorer({ base: 1 }), RangeError);
  assert.throws(() => new EpvmScorer({ maxTasksPerNode: 0 }), RangeError);
});
