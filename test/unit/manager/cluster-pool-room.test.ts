import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterPool } from '../../../src/manager/cluster-pool.js';
import type { NodeEntry } from '../../../src/manager/records.js';
import { RoundRobinScorer, Scheduler } from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { taskRequest } from '../../helpers/task-request.js';

// ClusterPool.roomHeldBy: whether a replica that fits nowhere would fit were its slot's old
// replicas gone (a start-first update with no room for both versions), asked as a what-if.

const MiB = 2 ** 20;

function entry(id: string, memoryMiB: number): NodeEntry {
  return {
    record: {
      id,
      name: `node-${id}`,
      url: `http://${id}.test:7070`,
      capacity: { cpuCores: 2, memoryBytes: memoryMiB * MiB, diskBytes: 0 },
      static: false,
      registeredAt: '2025-01-01T00:00:00.000Z',
    },
    state: 'Up',
    lastHeartbeatMs: 0,
    metrics: null,
  };
}

const replica = (id: string, fields: Partial<TaskRequest> = {}): TaskRequest =>
  taskRequest(id, { name: 'web-1', memoryBytes: 64 * MiB, ...fields });

const PORT_8080 = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as const }];

/** One node of 96 MiB running the old replica (64 MiB): room for one replica, not two. */
function oneReplicaOfRoom(): ClusterPool {
  const pool = new ClusterPool(new Scheduler(new RoundRobinScorer()));
  pool.setNode(entry('w1', 96));
  pool.set('old', replica('old'), 'w1', 1);
  return pool;
}

test('a replica with no room while its old one holds it would fit on that node without it', () => {
  const pool = oneReplicaOfRoom();
  assert.equal(pool.choose(replica('new')).ok, false, 'no room for both');
  assert.equal(pool.roomHeldBy(replica('new'), ['old']), 'w1');
  // a what-if: the old replica is still charged, and nothing else changed
  assert.equal(pool.of('w1').resources.memoryBytes, 64 * MiB);
  assert.equal(pool.choose(replica('new')).ok, false);
});

test('a replica that fits somewhere now, or would not fit even without the old one, is not held up by it', () => {
  const pool = oneReplicaOfRoom();
  pool.setNode(entry('w2', 128));
  assert.equal(pool.roomHeldBy(replica('new'), ['old']), undefined, 'w2 has room now: it is placed there');
  const big = replica('new', { memoryBytes: 200 * MiB });
  assert.equal(oneReplicaOfRoom().roomHeldBy(big, ['old']), undefined, 'bigger than the node: never');
  assert.equal(oneReplicaOfRoom().roomHeldBy(replica('new'), []), undefined, 'no old replica named');
  assert.equal(oneReplicaOfRoom().roomHeldBy(replica('new'), ['unknown']), undefined, 'one charged nowhere');
});

test('a host port the old replica holds is room it holds too', () => {
  const pool = new ClusterPool(new Scheduler(new RoundRobinScorer()));
  pool.setNode(entry('w1', 1024));
  pool.set('old', replica('old', { memoryBytes: 0, ports: PORT_8080 }), 'w1', 1);
  const next = replica('new', { memoryBytes: 0, ports: PORT_8080 });
  assert.equal(pool.choose(next).ok, false);
  assert.equal(pool.roomHeldBy(next, ['old']), 'w1');
  // another task holding the port beside it: the old one's going frees nothing
  pool.set('other', replica('other', { memoryBytes: 0, ports: PORT_8080 }), 'w1', 1);
  assert.equal(pool.roomHeldBy(next, ['old']), undefined);
});

test('room a task already stopping gives back is waited for: only room the old replica holds is asked about', () => {
  const pool = new ClusterPool(new Scheduler(new RoundRobinScorer()));
  pool.setNode(entry('w1', 96));
  pool.setNode(entry('w2', 96));
  pool.set('old-1', replica('old-1'), 'w1', 1); // slot 1's old replica, told to stop: slot 1 is done
  pool.set('old-2', replica('old-2'), 'w2', 1);
  assert.equal(pool.roomHeldBy(replica('new-2'), ['old-2']), 'w2', 'not told that old-1 is leaving');
  assert.equal(pool.roomHeldBy(replica('new-2'), ['old-2'], ['old-1']), undefined, 'w1 has room once old-1 ended');
  // room on w1 once old-1 ended is not enough for a bigger one; without old-2 as well, w2 is
  const bigger = replica('new-2', { memoryBytes: 96 * MiB });
  pool.set('pad', replica('pad', { memoryBytes: 16 * MiB }), 'w1', 1);
  assert.equal(pool.roomHeldBy(bigger, ['old-2'], ['old-1']), 'w2');
});

test('a pinned replica (a global service) is asked about its own node alone', () => {
  const pool = oneReplicaOfRoom();
  pool.setNode(entry('w2', 32));
  assert.equal(pool.roomHeldBy(replica('new', { pinnedNodeId: 'w1' }), ['old']), 'w1');
  assert.equal(pool.roomHeldBy(replica('new', { pinnedNodeId: 'w2' }), ['old']), undefined);
});
