import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FILTERS,
  NODE_DRAINED,
  NODE_PAUSED,
  NODE_RESTARTING,
  NODE_UNHEARD,
  NODE_WITHOUT_ENGINE,
  explainNever,
  neverFits,
  volumeHomeFilter,
  type NeverFits,
  type NodeView,
} from '../../../src/scheduler/index.js';
import { parseConstraint } from '../../../src/task/index.js';
import { GiB, node, port, task } from './fixtures.js';

// "No node has room now" waits (a task may end); "no node could ever hold it" does not: only a
// node that joins, or someone who acts, changes it.

function never(n: NeverFits | undefined): NeverFits {
  assert.ok(n !== undefined, 'expected no node could ever hold it');
  return n;
}

const small = (id: string, extra: Partial<NodeView> = {}): NodeView => ({
  ...node({ id, capacity: { memoryBytes: id === 'w1' ? 23.5 * GiB : 16 * GiB } }),
  ...extra,
});

test('a request above every node’s whole memory never fits, and names the biggest node', () => {
  const n = never(neverFits(task({ memoryBytes: 500 * GiB }), [small('w1'), small('w2')], DEFAULT_FILTERS));
  assert.equal(n.cause, 'memory');
  assert.equal(
    explainNever(n),
    '0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, w1, has 23.5 GiB)',
  );
});

test('a request that fits a node’s capacity but not its free room now is not never-fits', () => {
  const full = node({ id: 'w1', allocated: { memoryBytes: 15 * GiB, cpuCores: 4 } }); // 16 GiB, 4 cores
  assert.equal(neverFits(task({ memoryBytes: 8 * GiB, cpuCores: 2 }), [full], DEFAULT_FILTERS), undefined);
});

test('cpu beyond every node’s cores never fits, in cores', () => {
  const n = never(neverFits(task({ cpuCores: 64 }), [node({ id: 'w1' })], DEFAULT_FILTERS));
  assert.equal(n.cause, 'cpu');
  assert.equal(
    explainNever(n),
    '0/1 nodes could ever hold it: 1 node has less than 64 cores in all (the biggest, w1, has 4 cores)',
  );
});

test('a constraint no node matches never fits; a host port in use everywhere may be freed', () => {
  const constrained = task({ constraints: [parseConstraint('constraints.0', 'node.labels.zone==mars')] });
  const nodes = [{ ...node({ id: 'w1' }), labels: { zone: 'earth' } }, node({ id: 'w2' })];
  const n = never(neverFits(constrained, nodes, DEFAULT_FILTERS));
  assert.equal(n.cause, 'constraints');
  assert.equal(explainNever(n), '0/2 nodes could ever hold it: 2 nodes do not match node.labels.zone == mars');
  const busy = [node({ id: 'w1', usedPorts: ['8080/tcp'] })];
  assert.equal(neverFits(task({ ports: [port(8080)] }), busy, DEFAULT_FILTERS), undefined);
});

test('capabilities and host paths no worker allows never fit', () => {
  const caps = never(neverFits(task({ capAdd: ['NET_ADMIN'] }), [node({ id: 'w1' })], DEFAULT_FILTERS));
  assert.equal(caps.cause, 'capabilities');
  assert.match(explainNever(caps), /1 node does not allow capability NET_ADMIN$/);
  const allowed = { ...node({ id: 'w1' }), allowedCaps: ['NET_ADMIN'] };
  assert.equal(neverFits(task({ capAdd: ['NET_ADMIN'] }), [allowed], DEFAULT_FILTERS), undefined);
});

test('a volume on another node keeps the rest out for good', () => {
  const filters = [...DEFAULT_FILTERS, volumeHomeFilter([{ volume: 'db', nodeId: 'w1', nodeName: 'w1' }])];
  const big = node({ id: 'w2', capacity: { memoryBytes: 64 * GiB } });
  const n = never(neverFits(task({ memoryBytes: 20 * GiB }), [node({ id: 'w1' }), big], filters));
  // w1 (16 GiB) is too small; w2 is big enough but not where the volume is
  assert.equal(
    explainNever(n),
    '0/2 nodes could ever hold it: 1 node has less than 20 GiB memory in all (the biggest, w1, has 16 GiB), 1 volume db is on node w1',
  );
});

test('nodes are judged as they are: a big node down, drained or paused counts as such', () => {
  const big = { capacity: { cpuCores: 4, memoryBytes: 1024 * GiB, diskBytes: 100 * GiB } };
  for (const [extra, reason] of [
    [{ up: false }, 'node down'],
    [{ up: false, downReason: NODE_DRAINED }, NODE_DRAINED],
    [{ up: false, downReason: NODE_PAUSED }, NODE_PAUSED],
  ] as const) {
    const nodes = [small('w1'), { ...node({ id: 'w2' }), ...big, ...extra }];
    const n = never(neverFits(task({ memoryBytes: 500 * GiB }), nodes, DEFAULT_FILTERS));
    assert.deepEqual([...n.rejected.keys()].sort(), ['node has less than 500 GiB memory in all', reason].sort());
  }
});

test('a node that leaves its condition by itself (restarting, engine away) is judged by its capacity', () => {
  const big = { capacity: { cpuCores: 4, memoryBytes: 1024 * GiB, diskBytes: 100 * GiB } };
  for (const downReason of [NODE_RESTARTING, NODE_WITHOUT_ENGINE, NODE_UNHEARD]) {
    const nodes = [small('w1'), { ...node({ id: 'w2' }), ...big, up: false, downReason }];
    assert.equal(neverFits(task({ memoryBytes: 500 * GiB }), nodes, DEFAULT_FILTERS), undefined, downReason);
  }
});

test('with no node that beats (or none at all) there is nothing to judge by: it waits', () => {
  assert.equal(neverFits(task({ memoryBytes: 500 * GiB }), [], DEFAULT_FILTERS), undefined);
  const down = [node({ id: 'w1', up: false }), node({ id: 'w2', up: false })];
  assert.equal(neverFits(task({ memoryBytes: 500 * GiB }), down, DEFAULT_FILTERS), undefined);
  // a manager that just started has heard from none of its nodes yet
  const unheard = down.map((n) => ({ ...n, downReason: NODE_UNHEARD }));
  assert.equal(neverFits(task({ memoryBytes: 500 * GiB }), unheard, DEFAULT_FILTERS), undefined);
});

test('the cause is the filter of the reason that keeps out the most nodes', () => {
  const constrained = task({
    memoryBytes: 500 * GiB,
    constraints: [parseConstraint('constraints.0', 'node.labels.zone==mars')],
  });
  const mars = (id: string): NodeView => ({ ...node({ id }), labels: { zone: 'mars' } });
  const n = never(neverFits(constrained, [mars('w1'), mars('w2'), node({ id: 'w3' })], DEFAULT_FILTERS));
  assert.equal(n.cause, 'memory');
  assert.equal(n.rejected.get('node does not match node.labels.zone == mars'), 1);
});

test('the cause is about the nodes the constraints ask for: a task pinned to a paused node is told to activate it', () => {
  const pinned = task({ constraints: [parseConstraint('constraints.0', 'node.name == w1')] });
  const n = never(
    neverFits(
      pinned,
      [{ ...node({ id: 'w1' }), up: false, downReason: NODE_PAUSED }, node({ id: 'w2' })],
      DEFAULT_FILTERS,
    ),
  );
  assert.equal(n.cause, 'node-up');
  assert.equal(
    explainNever(n),
    `0/2 nodes could ever hold it: 1 node does not match node.name == w1, 1 ${NODE_PAUSED}`,
  );
  // a node kept out before its constraints were looked at, which does not meet them either, says nothing
  const zoned = task({ constraints: [parseConstraint('constraints.0', 'node.labels.zone == a')] });
  const elsewhere = never(
    neverFits(
      zoned,
      [{ ...node({ id: 'w1' }), up: false, downReason: NODE_PAUSED }, node({ id: 'w2' })],
      DEFAULT_FILTERS,
    ),
  );
  assert.equal(elsewhere.cause, 'constraints');
});
