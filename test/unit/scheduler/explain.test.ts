import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FILTERS,
  explain,
  NODE_DRAINED,
  NODE_UNHEARD,
  select,
  selectPinned,
  type Explanation,
  type Scorer,
} from '../../../src/scheduler/index.js';
import { GiB, node, port, task } from './fixtures.js';

const constant: Scorer = { name: 'constant', score: () => 0 };

function explanationOf(p: ReturnType<typeof select>): Explanation {
  assert.ok(!p.ok, 'expected no placement');
  return p.explanation;
}

test('explain says how many nodes failed for each reason, with the closest miss', () => {
  const nodes = [
    node({ id: 'n1', name: 'worker-1', allocated: { memoryBytes: 15 * GiB } }),
    node({ id: 'n2', name: 'worker-2', allocated: { memoryBytes: 14.5 * GiB } }),
    node({ id: 'n3', name: 'worker-3', up: false }),
  ];
  const e = explanationOf(select(task({ name: 'web-1', memoryBytes: 4 * GiB }), nodes, DEFAULT_FILTERS, constant));
  assert.equal(
    explain(e),
    '0/3 nodes can run web-1: 2 not enough free memory (needs 4 GiB; most free 1.5 GiB on worker-2), 1 node down',
  );
});

test('nodes a manager that just started has not heard from yet are said so, not down', () => {
  const unheard = (id: string): ReturnType<typeof node> => ({
    ...node({ id, name: id, up: false }),
    downReason: NODE_UNHEARD,
  });
  const e = explanationOf(select(task({ name: 'web-1' }), [unheard('w1'), unheard('w2')], DEFAULT_FILTERS, constant));
  assert.equal(explain(e), '0/2 nodes can run web-1: 2 nodes not heard from yet');
  const pinned = task({ name: 'glob-1', pinnedNodeId: 'w1' });
  assert.equal(
    explain(explanationOf(selectPinned(pinned, 'w1', unheard('w1'), DEFAULT_FILTERS, constant))),
    'waiting for node w1 (not heard from yet)',
  );
});

test('explain writes a huge need in the largest unit, never a run of digits', () => {
  const e = explanationOf(
    select(task({ name: 'big', memoryBytes: 3 * 2 ** 50 }), [node({ id: 'w1' })], DEFAULT_FILTERS, constant),
  );
  assert.equal(explain(e), '0/1 nodes can run big: 1 not enough free memory (needs 3 PiB; most free 16 GiB on w1)');
});

test('explain says when no node has joined yet', () => {
  assert.equal(
    explain(explanationOf(select(task(), [], DEFAULT_FILTERS, constant))),
    'no nodes have joined the cluster yet',
  );
});

test('explain writes cpu in cores', () => {
  const nodes = [node({ id: 'w1', allocated: { cpuCores: 2.5 } }), node({ id: 'w2', allocated: { cpuCores: 3 } })];
  const e = explanationOf(select(task({ name: 'batch', cpuCores: 2 }), nodes, DEFAULT_FILTERS, constant));
  assert.equal(explain(e), '0/2 nodes can run batch: 2 not enough free cpu (needs 2 cores; most free 1.5 cores on w1)');
  const one = explanationOf(
    select(task({ name: 'batch', cpuCores: 1.25 }), [nodes[1] ?? node({ id: 'x' })], DEFAULT_FILTERS, constant),
  );
  assert.equal(
    explain(one),
    '0/1 nodes can run batch: 1 not enough free cpu (needs 1.25 cores; most free 1 core on w2)',
  );
});

test('explain lists the most common reason first, then alphabetically, and says "nodes" for more than one', () => {
  const e: Explanation = {
    taskName: 'api',
    evaluated: 5,
    rejected: new Map([
      ['host port 8080/tcp in use', 1],
      ['node down', 2],
      ['not enough free disk', 1],
      ['host port 443/tcp in use', 1],
    ]),
  };
  assert.equal(
    explain(e),
    '0/5 nodes can run api: 2 nodes down, 1 host port 443/tcp in use, 1 host port 8080/tcp in use, 1 not enough free disk',
  );
});

test('explain shows an over-allocated node as having nothing free', () => {
  const over = node({ id: 'w1', capacity: { diskBytes: 10 * GiB }, allocated: { diskBytes: 12 * GiB } });
  const e = explanationOf(select(task({ name: 'db', diskBytes: GiB }), [over], DEFAULT_FILTERS, constant));
  assert.equal(explain(e), '0/1 nodes can run db: 1 not enough free disk (needs 1 GiB; most free 0 B on w1)');
});

test('explain names a host port in use', () => {
  const e = explanationOf(
    select(
      task({ name: 'web', ports: [port(80)] }),
      [node({ id: 'w1', usedPorts: ['80/tcp'] })],
      DEFAULT_FILTERS,
      constant,
    ),
  );
  assert.equal(explain(e), '0/1 nodes can run web: 1 host port 80/tcp in use');
});

test('a pinned task (a global replica) is placed on its node alone, and waits for it in words, never as a rule', () => {
  const pinned = task({ name: 'agent-2', pinnedNodeId: 'n2', memoryBytes: 4 * GiB });
  const up = node({ id: 'n2', name: 'worker-2' });
  const placed = selectPinned(pinned, 'n2', up, DEFAULT_FILTERS, constant);
  assert.deepEqual(placed.ok && placed.nodeId, 'n2');
  const down = node({ id: 'n2', name: 'worker-2', up: false });
  assert.equal(
    explain(explanationOf(selectPinned(pinned, 'n2', down, DEFAULT_FILTERS, constant))),
    'waiting for node worker-2 (down)',
  );
  const drained = { ...node({ id: 'n2', name: 'worker-2', up: false }), downReason: NODE_DRAINED };
  assert.equal(
    explain(explanationOf(selectPinned(pinned, 'n2', drained, DEFAULT_FILTERS, constant))),
    'waiting for node worker-2 (drained)',
  );
  const full = node({ id: 'n2', name: 'worker-2', allocated: { memoryBytes: 15 * GiB } });
  assert.equal(
    explain(explanationOf(selectPinned(pinned, 'n2', full, DEFAULT_FILTERS, constant))),
    'waiting for node worker-2: not enough free memory (needs 4 GiB; most free 1 GiB on worker-2)',
  );
  assert.equal(
    explain(explanationOf(selectPinned(pinned, 'gone-id', undefined, DEFAULT_FILTERS, constant))),
    'waiting for node gone-id (not in the cluster)',
  );
});
