import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SAMPLE_SIZE, EpvmScorer, type NodeView, type Scorer } from '../../../src/scheduler/index.js';
import { DEFAULT_RESTART_POLICY, TaskState, type TaskRequest } from '../../../src/task/index.js';
import {
  GiB,
  GRACE_MS,
  PERIOD_MS,
  failed,
  registration,
  report,
  request,
  runFor,
  settle,
  startManager,
  urlOf,
  uuid,
  W1,
  W2,
  withTask,
  type Harness,
  type NodeSpec,
} from './manager-harness.js';

// The manager keeps one scheduler pool for its lifetime and places through the fast path: the
// pool must show every node as the manager's own books do (listNodes), through every change.

/** Asserts that the pool shows each node as listNodes does: liveness, capacity, allocation and task count. */
function assertPoolInSync(h: Harness): void {
  const pooled = h.parts.placer.pool
    .current()
    .views()
    .map((v) => ({
      id: v.id,
      up: v.up,
      capacity: { ...v.capacity },
      allocated: { ...v.allocated },
      taskCount: v.taskCount,
    }));
  const listed = h.manager
    .listNodes()
    .map((n) => ({
      id: n.id,
      up: n.state === 'Up',
      capacity: n.capacity,
      allocated: n.allocated,
      taskCount: n.taskCount,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.deepEqual(pooled, listed);
}

function pooled(h: Harness, node: NodeSpec): NodeView {
  const view = h.parts.placer.pool
    .current()
    .views()
    .find((v) => v.id === node.id);
  assert.ok(view !== undefined, `${node.name} is not in the pool`);
  return view;
}

function nodeOf(h: Harness, id: string): string | null {
  return h.manager.getTask(id).nodeId;
}

test('the pool follows tasks as they are placed, finish and are stopped', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  const ids = Array.from({ length: 4 }, (_, i) => uuid(`90${i}`));
  for (const id of ids) await h.manager.submit(request(id, { memoryBytes: GiB, cpuCores: 0.5 }));
  await settle(h.manager);
  assertPoolInSync(h);
  assert.deepEqual(
    h.parts.placer.pool
      .current()
      .views()
      .map((v) => [v.taskCount, v.allocated.memoryBytes]),
    [
      [2, 2 * GiB],
      [2, 2 * GiB],
    ],
  );

  const [finishing, stopping] = ids as [string, string];
  const running = h.manager.getTask(finishing);
  await h.manager.report(W1.id, [
    report(finishing, 1, 'Completed', { containerId: running.containerId, exitCode: 0, reason: 'exited with code 0' }),
  ]);
  await settle(h.manager);
  assertPoolInSync(h);
  assert.equal(pooled(h, W1).taskCount, 1);

  await h.manager.stopTask(stopping);
  await settle(h.manager);
  assert.equal(h.manager.getTask(stopping).state, TaskState.Completed);
  assertPoolInSync(h);
  assert.deepEqual(
    [pooled(h, W2).taskCount, { ...pooled(h, W2).allocated }],
    [1, { cpuCores: 0.5, memoryBytes: GiB, diskBytes: 0 }],
  );
});

test('the pool shows a node that missed its heartbeats as not up, without the tasks that moved away, and up again when it beats', async (t) => {
  const { h, id } = await withTask(t, '9100', { nodes: [W1, W2], fields: { memoryBytes: GiB } });
  assert.equal(nodeOf(h, id), W1.id);
  await runFor(h, GRACE_MS + PERIOD_MS, [W2]);
  assert.equal(nodeOf(h, id), W2.id);
  assertPoolInSync(h);
  assert.equal(pooled(h, W1).up, false);
  assert.equal(pooled(h, W1).taskCount, 0);
  assert.equal(pooled(h, W2).allocated.memoryBytes, GiB);

  await runFor(h, PERIOD_MS, [W1, W2]);
  assertPoolInSync(h);
  assert.equal(pooled(h, W1).up, true);
});

test('a node that registers again with another capacity is placed on with the new one, and the reason says so', async (t) => {
  const { h, id, w1 } = await withTask(t, '9200', { fields: { memoryBytes: 4 * GiB } });
  await h.manager.register(registration({ ...W1, memoryGiB: 6 }, w1.activeReports()));
  await settle(h.manager);
  assertPoolInSync(h);
  assert.equal(nodeOf(h, id), W1.id);
  assert.deepEqual([pooled(h, W1).capacity.memoryBytes, pooled(h, W1).allocated.memoryBytes], [6 * GiB, 4 * GiB]);

  const big = uuid('9201');
  await h.manager.submit(request(big, { name: 'big', memoryBytes: 4 * GiB }));
  await settle(h.manager);
  const waiting = h.manager.getTask(big);
  assert.equal(waiting.state, TaskState.Pending);
  assert.equal(waiting.reason, '0/1 nodes can run big: 1 not enough free memory (needs 4 GiB; most free 2 GiB on w1)');

  await h.manager.register(registration({ ...W1, memoryGiB: 16 }, w1.activeReports()));
  await settle(h.manager);
  assert.equal(nodeOf(h, big), W1.id);
  assert.equal(h.manager.getTask(big).state, TaskState.Running);
  assertPoolInSync(h);
});

test('a host port in use keeps a second task asking for it Pending until the first ends', async (t) => {
  const ports: TaskRequest['ports'] = [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }];
  const { h, id: first } = await withTask(t, '9300', { fields: { ports } });
  const second = uuid('9301');
  await h.manager.submit(request(second, { name: 'second', ports }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(second).reason, '0/1 nodes can run second: 1 host port 8080/tcp in use');
  assert.deepEqual([...pooled(h, W1).usedPorts], ['8080/tcp']);

  await h.manager.stopTask(first);
  await settle(h.manager);
  assert.equal(nodeOf(h, second), W1.id);
  assert.equal(h.manager.getTask(second).state, TaskState.Running);
  assert.deepEqual([...pooled(h, W1).usedPorts], ['8080/tcp']);
  assertPoolInSync(h);

  await h.manager.stopTask(second);
  await settle(h.manager);
  assert.deepEqual([...pooled(h, W1).usedPorts], []);
});

test('epvm sends a task to the emptier node', async (t) => {
  const { h, id: heavy } = await withTask(t, '9400', {
    strategy: 'epvm',
    nodes: [W1, W2],
    fields: { memoryBytes: 8 * GiB, cpuCores: 2 },
  });
  assert.equal(nodeOf(h, heavy), W1.id, 'equal nodes: the smaller id');
  const light = uuid('9401');
  await h.manager.submit(request(light, { memoryBytes: GiB }));
  await settle(h.manager);
  assert.equal(nodeOf(h, light), W2.id);
});

test('a restart goes back to its node though round-robin would pick the other, and elsewhere once its node is full', async (t) => {
  const backoffMs = DEFAULT_RESTART_POLICY.backoffInitialMs; // doubles with each failure in a row
  const small = { ...W1, memoryGiB: 2 };
  const { h, id } = await withTask(t, '9500', { nodes: [small, W2], fields: { memoryBytes: 2 * GiB } });
  assert.equal(nodeOf(h, id), small.id);
  await h.manager.report(small.id, [failed(id)]);
  h.clock.advance(backoffMs);
  await settle(h.manager);
  assert.deepEqual([nodeOf(h, id), h.manager.getTask(id).generation], [small.id, 2]);

  // while it waits for its second restart, other tasks take all of its node
  await h.manager.report(small.id, [failed(id, { generation: 2, containerId: h.manager.getTask(id).containerId })]);
  await settle(h.manager);
  const fillers = [uuid('9501'), uuid('9502')];
  for (const filler of fillers) await h.manager.submit(request(filler, { memoryBytes: 2 * GiB }));
  await settle(h.manager);
  assert.deepEqual(
    fillers.map((f) => nodeOf(h, f)),
    [W2.id, small.id],
  );
  h.clock.advance(2 * backoffMs);
  await settle(h.manager);
  assert.deepEqual([nodeOf(h, id), h.manager.getTask(id).generation], [W2.id, 3]);
  assertPoolInSync(h);
});

// ---- a cluster larger than the sample ----

const NODE_COUNT = 40;
const MANY: readonly NodeSpec[] = Array.from({ length: NODE_COUNT }, (_, i) => ({
  id: uuid((i + 1).toString(16).padStart(8, '0')),
  name: `n${String(i).padStart(2, '0')}`,
}));

/** E-PVM, counting the nodes it scores. */
class CountingEpvm implements Scorer {
  readonly name = 'epvm';
  scored = 0;
  readonly #epvm = new EpvmScorer();
  score(task: TaskRequest, node: NodeView): number {
    this.scored += 1;
    return this.#epvm.score(task, node);
  }
}

test(`with ${NODE_COUNT} nodes a placement scores a sample of ${DEFAULT_SAMPLE_SIZE}, not every node`, async (t) => {
  const scorer = new CountingEpvm();
  const h = await startManager(t, { strategy: scorer });
  for (const n of MANY) await h.manager.register(registration(n));
  const ids = Array.from({ length: 10 }, (_, i) => uuid(`9600${i}`));
  for (const id of ids) await h.manager.submit(request(id, { memoryBytes: GiB }));
  await settle(h.manager);
  for (const id of ids) assert.equal(h.manager.getTask(id).state, TaskState.Running);
  assert.ok(
    scorer.scored <= ids.length * DEFAULT_SAMPLE_SIZE,
    `scored ${scorer.scored} nodes for ${ids.length} placements`,
  );
  assertPoolInSync(h);
});

test(`round-robin over ${NODE_COUNT} nodes through the pool gives each node its turn`, async (t) => {
  const h = await startManager(t, { strategy: 'roundrobin' });
  for (const n of MANY) await h.manager.register(registration(n));
  for (let i = 0; i < 2 * NODE_COUNT; i++)
    await h.manager.submit(request(uuid(`97${i.toString(16).padStart(2, '0')}`)));
  await settle(h.manager);
  const perNode = new Map<string | null, number>();
  for (const task of h.manager.listTasks()) perNode.set(task.nodeId, (perNode.get(task.nodeId) ?? 0) + 1);
  assert.deepEqual(
    [...perNode.values()],
    Array.from({ length: NODE_COUNT }, () => 2),
  );
  for (const n of MANY) assert.equal(h.workers.at(urlOf(n)).starts.length, 2, n.name);
});
