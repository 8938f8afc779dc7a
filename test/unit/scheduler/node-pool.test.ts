import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FILTERS,
  NodePool,
  cpuFilter,
  memoryFilter,
  portsFilter,
  type Filter,
  type NodeView,
} from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { arbNodes, arbTask } from './cluster-arbitraries.js';
import { GiB, node, port, task } from './fixtures.js';

function passesAll(t: TaskRequest, n: NodeView, filters: readonly Filter[] = DEFAULT_FILTERS): boolean {
  return filters.every((f) => f.reject(t, n) === null);
}

test('node pool keeps its nodes in id order and finds them by id', () => {
  const pool = new NodePool([node({ id: 'w3' }), node({ id: 'w1' }), node({ id: 'w2' })]);
  assert.deepEqual(
    pool.views().map((v) => v.id),
    ['w1', 'w2', 'w3'],
  );
  assert.equal(pool.size, 3);
  assert.equal(pool.get('w2')?.id, 'w2');
  assert.equal(pool.get('nope'), undefined);
});

test('node pool copies what it is given: the caller and the pool change separately', () => {
  const mine = node({ id: 'w1', usedPorts: ['80/tcp'] });
  const pool = new NodePool([mine]);
  (mine.allocated as { memoryBytes: number }).memoryBytes = 15 * GiB;
  (mine.usedPorts as Set<string>).add('443/tcp');
  assert.equal(pool.get('w1')?.allocated.memoryBytes, 0);
  assert.deepEqual([...(pool.get('w1')?.usedPorts ?? [])], ['80/tcp']);
  pool.reserve('w1', task({ memoryBytes: GiB }));
  assert.equal(mine.taskCount, 0);
});

test('node pool reserve counts requests, the task and its host ports; release gives them back', () => {
  const pool = new NodePool([node({ id: 'w1' })]);
  const t = task({ cpuCores: 1.5, memoryBytes: 2 * GiB, diskBytes: GiB, ports: [port(8080), port(0)] });
  assert.equal(pool.reserve('w1', t), true);
  const after = pool.get('w1');
  assert.deepEqual(after?.allocated, { cpuCores: 1.5, memoryBytes: 2 * GiB, diskBytes: GiB });
  assert.equal(after?.taskCount, 1);
  assert.deepEqual([...(after?.usedPorts ?? [])], ['8080/tcp']); // hostPort 0 is Docker's pick, never reserved
  assert.equal(pool.release('w1', t), true);
  assert.deepEqual(pool.get('w1')?.allocated, { cpuCores: 0, memoryBytes: 0, diskBytes: 0 });
  assert.equal(pool.get('w1')?.taskCount, 0);
  assert.equal(pool.get('w1')?.usedPorts.size, 0);
  assert.equal(pool.reserve('nope', t), false);
  assert.equal(pool.release('nope', t), false);
});

test('node pool knows the position of the nodes it hands out, and only of those', () => {
  const pool = new NodePool([node({ id: 'b' }), node({ id: 'a' })]);
  const b = pool.get('b');
  assert.ok(b !== undefined);
  assert.equal(pool.positionOf(b), 1);
  assert.equal(pool.positionOf(node({ id: 'b' })), undefined); // a look-alike is not the pool's node
  pool.set(node({ id: 'b', up: false }));
  assert.equal(pool.positionOf(b), undefined); // replaced by a heartbeat
  assert.equal(new NodePool([node({ id: 'b' })]).positionOf(b), undefined); // another pool's node
});

test('node pool search follows reserve: a node that fills up is passed over', () => {
  const pool = new NodePool([node({ id: 'a' }), node({ id: 'b' })]);
  const big = task({ memoryBytes: 10 * GiB });
  assert.equal((pool.findFeasible(big, DEFAULT_FILTERS, 0, 8) as NodeView).id, 'a');
  pool.reserve('a', big);
  assert.equal((pool.findFeasible(big, DEFAULT_FILTERS, 0, 8) as NodeView).id, 'b');
  pool.reserve('b', big);
  assert.equal(pool.findFeasible(big, DEFAULT_FILTERS, 0, 8), 'none');
  pool.release('a', big);
  assert.equal((pool.findFeasible(big, DEFAULT_FILTERS, 1, 8) as NodeView).id, 'a');
});

test('node pool set replaces a node (a heartbeat) or adds one; delete removes it', () => {
  const pool = new NodePool([node({ id: 'b' }), node({ id: 'd' })]);
  pool.set(node({ id: 'b', up: false }));
  assert.equal(pool.findFeasible(task(), DEFAULT_FILTERS, 0, 8), pool.get('d'));
  pool.set(node({ id: 'a' }));
  pool.set(node({ id: 'c' }));
  assert.deepEqual(
    pool.views().map((v) => v.id),
    ['a', 'b', 'c', 'd'],
  );
  assert.equal((pool.findFeasible(task(), DEFAULT_FILTERS, 1, 8) as NodeView).id, 'c');
  assert.equal(pool.delete('c'), true);
  assert.equal(pool.delete('c'), false);
  assert.deepEqual(
    pool.views().map((v) => v.id),
    ['a', 'b', 'd'],
  );
  assert.equal((pool.findFeasible(task(), DEFAULT_FILTERS, 1, 8) as NodeView).id, 'd');
});

test('node pool positionAfter is the first position whose id sorts after the given one', () => {
  const pool = new NodePool(['b', 'd', 'f'].map((id) => node({ id })));
  assert.deepEqual(
    ['a', 'b', 'c', 'f', 'g'].map((id) => pool.positionAfter(id)),
    [0, 1, 1, 3, 3],
  );
  assert.equal(pool.positionAfter(undefined), 0);
});

test('node pool gives up after too many nodes pass the index but fail a filter', () => {
  const nodes = ['a', 'b', 'c', 'd'].map((id) => node({ id, usedPorts: id === 'd' ? [] : ['80/tcp'] }));
  const pool = new NodePool(nodes);
  const web = task({ ports: [port(80)] });
  assert.equal(pool.findFeasible(web, DEFAULT_FILTERS, 0, 2), 'gave-up');
  assert.equal(pool.findFeasible(web, DEFAULT_FILTERS, 0, 3), pool.get('d'));
});

test('node pool prunes only on the resources its filter list checks', () => {
  const pool = new NodePool([
    node({ id: 'a-small', capacity: { cpuCores: 1 } }),
    node({ id: 'b-large', capacity: { cpuCores: 8 } }),
  ]);
  const hungry = task({ cpuCores: 4 });
  assert.equal((pool.findFeasible(hungry, DEFAULT_FILTERS, 0, 8) as NodeView).id, 'b-large');
  // without the cpu filter, cpu is not a reason to pass a node over
  const noCpu = DEFAULT_FILTERS.filter((f) => f !== cpuFilter);
  assert.equal((pool.findFeasible(hungry, noCpu, 0, 8) as NodeView).id, 'a-small');
  assert.equal(NodePool.servesFilters(DEFAULT_FILTERS), true);
  assert.equal(NodePool.servesFilters([cpuFilter, memoryFilter, portsFilter]), false);
});

test('property: node pool search returns the first feasible node in id order from the start, or says there is none', () => {
  fc.assert(
    fc.property(arbNodes, arbTask, fc.nat(), (nodes, t, start) => {
      const pool = new NodePool(nodes);
      const views = pool.views();
      const from = start % views.length;
      const ring = views.map((_, i) => views[(from + i) % views.length] as NodeView);
      const want = ring.find((n) => passesAll(t, n));
      const found = pool.findFeasible(t, DEFAULT_FILTERS, from, Number.POSITIVE_INFINITY);
      assert.equal(found, want ?? 'none');
    }),
    { numRuns: 500 },
  );
});
