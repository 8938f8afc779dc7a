import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { digestOf, type RegisterRequest, type TaskDigest, type TaskReport } from '../../../src/api/index.js';
import type { ManagerRecord } from '../../../src/manager/manager.js';
import { DISPATCH_RETRY_MS } from '../../../src/manager/reconcile.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import { MemoryStore } from '../../../src/store/index.js';
import { DEFAULT_RESTART_POLICY, TaskState } from '../../../src/task/index.js';
import {
  GiB,
  GRACE_MS,
  PERIOD_MS,
  SWEEP_MS,
  beat,
  failed,
  flush,
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

// The real Manager with the real scheduler and a memory store; only time and the workers'
// containers are fakes: the workers are the real Worker over the testkit's fake driver (manager-harness.ts).

// ---- placement ----

test('a submitted task is placed on the one node with generation 1 and dispatched once with it', async (t) => {
  const { h, id } = await withTask(t, 'a1');
  const task = h.manager.getTask(id);
  assert.ok(task.state === TaskState.Scheduled || task.state === TaskState.Running, `state ${task.state}`);
  assert.equal(task.nodeId, W1.id);
  assert.equal(task.node, W1.name);
  assert.equal(task.generation, 1);
  assert.deepEqual(h.workers.at(urlOf(W1)).starts, [{ taskId: id, generation: 1 }]);
});

test('the worker answering Running moves the task to Running with its container', async (t) => {
  const { h, id } = await withTask(t, 'a2');
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Running);
  assert.equal(task.containerId, `ctr-${id.slice(0, 8)}-g1`);
});

/** The stored record of a task, wherever its key puts it. */
async function storedTask(
  store: MemoryStore<ManagerRecord>,
  id: string,
): Promise<{ key: string; task: TaskRecord } | undefined> {
  for (const [key, rec] of await store.list('task/'))
    if (rec.kind === 'task' && rec.task.request.id === id) return { key, task: rec.task };
  return undefined;
}

test('a submission is in the store when submit resolves', async (t) => {
  const h = await startManager(t);
  const id = uuid('a3');
  const view = await h.manager.submit(request(id));
  const stored = await storedTask(h.store, id);
  assert.ok(stored !== undefined);
  assert.equal(stored.task.request.id, id);
  assert.equal(stored.task.desired, 'running');
  assert.equal(stored.key, `task/${view.submittedAt}/${id}`, 'stored in submission order');
});

test('a submission is written once, with the outcome of its placement, before submit resolves', async (t) => {
  const h = await startManager(t);
  const writesBefore = h.store.stats().writes;
  const waiting = uuid('a4');
  await h.manager.submit(request(waiting));
  assert.equal(h.store.stats().writes - writesBefore, 1);
  assert.equal((await storedTask(h.store, waiting))?.task.reason, 'no nodes have joined the cluster yet');

  await h.manager.register(registration(W1));
  await settle(h.manager);
  const placed = uuid('a6');
  await h.manager.submit(request(placed));
  const stored = await storedTask(h.store, placed);
  assert.equal(stored?.task.nodeId, W1.id);
  assert.equal(stored.task.generation, 1);
});

test('tasks stored under their id alone by an older manager are moved to submission-order keys on start', async (t) => {
  const store = new MemoryStore<ManagerRecord>();
  const first = await startManager(t, { store });
  const id = uuid('a5');
  await first.manager.submit(request(id));
  await first.manager.stop();
  const stored = await storedTask(store, id);
  assert.ok(stored !== undefined);
  await store.batch([
    { kind: 'delete', key: stored.key },
    { kind: 'put', key: `task/${id}`, value: { kind: 'task', task: stored.task } },
  ]);

  const second = await startManager(t, { store, clock: first.clock });
  assert.equal(second.manager.getTask(id).id, id);
  assert.deepEqual(
    (await store.list('task/')).map(([key]) => key),
    [stored.key],
  );
});

test('a task submitted before any node joined stays Pending saying so, and is placed once a node registers', async (t) => {
  const h = await startManager(t);
  const id = uuid('b1');
  await h.manager.submit(request(id));
  await settle(h.manager);
  let task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Pending);
  assert.equal(task.reason, 'no nodes have joined the cluster yet');
  assert.equal(h.workers.totalStarts(), 0);

  await h.manager.register(registration(W1));
  await settle(h.manager);
  task = h.manager.getTask(id);
  assert.equal(task.nodeId, W1.id);
  assert.equal(task.generation, 1);
  assert.deepEqual(h.workers.at(urlOf(W1)).starts, [{ taskId: id, generation: 1 }]);
});

test('a task bigger than every node stays Pending with a reason naming memory, then goes to a bigger node that joins', async (t) => {
  const h = await startManager(t);
  const small = { ...W1, memoryGiB: 2 };
  const big = { ...W2, memoryGiB: 8 };
  await h.manager.register(registration(small));
  const id = uuid('c1');
  await h.manager.submit(request(id, { memoryBytes: 4 * GiB }));
  await settle(h.manager);
  let task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Pending);
  assert.match(task.reason, /memory/);
  assert.match(task.reason, /4 GiB/);
  assert.equal(h.workers.totalStarts(), 0);

  await h.manager.register(registration(big));
  await settle(h.manager);
  task = h.manager.getTask(id);
  assert.equal(task.nodeId, big.id);
  assert.equal(task.state, TaskState.Running);
  assert.deepEqual(h.workers.at(urlOf(big)).starts, [{ taskId: id, generation: 1 }]);
  assert.equal(h.workers.at(urlOf(small)).starts.length, 0);
});

test('roundrobin spreads 10 tasks over 2 nodes 5 and 5', async (t) => {
  const h = await startManager(t, { strategy: 'roundrobin' });
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  for (let i = 0; i < 10; i++) await h.manager.submit(request(uuid(`d${i}`)));
  await settle(h.manager);
  const perNode = new Map<string | null, number>();
  for (const task of h.manager.listTasks()) perNode.set(task.nodeId, (perNode.get(task.nodeId) ?? 0) + 1);
  assert.deepEqual(
    perNode,
    new Map([
      [W1.id, 5],
      [W2.id, 5],
    ]),
  );
  assert.equal(h.workers.at(urlOf(W1)).starts.length, 5);
  assert.equal(h.workers.at(urlOf(W2)).starts.length, 5);
});

test('epvm places tasks on the registered nodes and dispatches each once', async (t) => {
  const h = await startManager(t, { strategy: 'epvm' });
  await h.manager.register(registration(W1));
  await h.manager.register(registration(W2));
  const ids = Array.from({ length: 6 }, (_, i) => uuid(`e${i}`));
  for (const id of ids) await h.manager.submit(request(id, { memoryBytes: GiB }));
  await settle(h.manager);
  for (const id of ids) {
    const task = h.manager.getTask(id);
    assert.equal(task.state, TaskState.Running);
    assert.ok(task.nodeId === W1.id || task.nodeId === W2.id);
  }
  assert.equal(h.workers.totalStarts(), ids.length);
});

test('tasks placed in one pass on one worker are sent to it in one batch', async (t) => {
  const h = await startManager(t, { batch: true });
  await h.manager.register(registration(W1));
  const ids = Array.from({ length: 5 }, (_, i) => uuid(`ba${i}`));
  await Promise.all(ids.map((id) => h.manager.submit(request(id))));
  await settle(h.manager);
  const w1 = h.workers.at(urlOf(W1));
  assert.deepEqual(w1.batches, [ids]);
  for (const id of ids) {
    assert.equal(h.manager.getTask(id).state, TaskState.Running);
    assert.deepEqual(w1.startsOf(id), [1]);
  }
});

// ---- passes decide on what changed: nothing waits for the sweep ----

test('a waiting task is placed as soon as a task on the full node ends, without waiting for the sweep', async (t) => {
  const h = await startManager(t);
  const small = { ...W1, memoryGiB: 1 };
  await h.manager.register(registration(small));
  const first = uuid('ca01');
  const second = uuid('ca02');
  await h.manager.submit(request(first, { memoryBytes: GiB }));
  await settle(h.manager);
  await h.manager.submit(request(second, { memoryBytes: GiB }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(second).state, TaskState.Pending);

  const running = h.manager.getTask(first);
  await h.manager.report(small.id, [
    report(first, 1, 'Completed', { containerId: running.containerId, exitCode: 0, reason: 'exited with code 0' }),
  ]);
  await settle(h.manager);
  const task = h.manager.getTask(second);
  assert.equal(task.nodeId, small.id);
  assert.equal(task.state, TaskState.Running);
});

test('a dispatch the worker did not answer is sent again after the retry delay, before any sweep', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const w1 = h.workers.at(urlOf(W1));
  w1.startMode = 'unreachable';
  const id = uuid('cb01');
  await h.manager.submit(request(id));
  await settle(h.manager);
  assert.deepEqual(w1.startsOf(id), [1]);
  assert.equal(h.manager.getTask(id).state, TaskState.Scheduled);

  await runFor(h, DISPATCH_RETRY_MS - PERIOD_MS, [W1]);
  assert.deepEqual(w1.startsOf(id), [1]);
  w1.startMode = 'run';
  await runFor(h, PERIOD_MS, [W1]);
  assert.ok(DISPATCH_RETRY_MS < SWEEP_MS);
  assert.deepEqual(w1.startsOf(id), [1, 1]);
  assert.equal(h.manager.getTask(id).state, TaskState.Running);
});

test('after a manager restart, a task still Scheduled on a node is dispatched when that node registers again', async (t) => {
  const first = await startManager(t);
  await first.manager.register(registration(W1));
  first.workers.at(urlOf(W1)).startMode = 'unreachable';
  const id = uuid('cc01');
  await first.manager.submit(request(id));
  await settle(first.manager);
  await first.manager.stop();

  const second = await startManager(t, { store: first.store, clock: first.clock });
  await settle(second.manager);
  assert.equal(second.manager.getTask(id).state, TaskState.Scheduled);
  assert.equal(second.workers.totalStarts(), 0, 'nothing is dispatched to a node in Unknown state');
  await second.manager.register(registration(W1));
  await settle(second.manager);
  assert.deepEqual(second.workers.at(urlOf(W1)).startsOf(id), [1]);
  assert.equal(second.manager.getTask(id).state, TaskState.Running);
});

// ---- node failure and fencing ----

/** w1 runs a task; w2 joins; w1 goes silent past the grace, so the task moves to w2. */
async function failOver(t: TestContext): Promise<{ h: Harness; id: string }> {
  const { h, id } = await withTask(t, 'f1');
  assert.equal(h.manager.getTask(id).nodeId, W1.id);
  await h.manager.register(registration(W2));
  await runFor(h, GRACE_MS + PERIOD_MS, [W2]);
  return { h, id };
}

test('a node that misses heartbeats past the grace is Down and its running task moves to another node with a higher generation', async (t) => {
  const { h, id } = await failOver(t);
  const nodes = new Map(h.manager.listNodes().map((n) => [n.id, n.state]));
  assert.equal(nodes.get(W1.id), 'Down');
  assert.equal(nodes.get(W2.id), 'Up');
  const task = h.manager.getTask(id);
  assert.equal(task.nodeId, W2.id);
  assert.equal(task.generation, 2);
  assert.equal(task.state, TaskState.Running);
  assert.deepEqual(h.workers.at(urlOf(W2)).starts, [{ taskId: id, generation: 2 }]);
  assert.deepEqual(h.workers.at(urlOf(W1)).starts, [{ taskId: id, generation: 1 }]);
});

test('a node is not declared Down before the grace has passed', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  h.clock.advance(GRACE_MS - 1);
  await settle(h.manager);
  assert.equal(h.manager.listNodes()[0]?.state, 'Up');
  h.clock.advance(1);
  await settle(h.manager);
  assert.equal(h.manager.listNodes()[0]?.state, 'Down');
});

test('a returning node that re-registers with the old copy is told to stop it, and the task keeps its new owner', async (t) => {
  const { h, id } = await failOver(t);
  const w1 = h.workers.at(urlOf(W1));
  assert.deepEqual(
    w1.activeReports().map((r) => [r.taskId, r.generation, r.state]),
    [[id, 1, 'Running']],
  );

  await h.manager.register(registration(W1, w1.activeReports()));
  await settle(h.manager);
  assert.deepEqual(w1.stops, [id]);
  assert.deepEqual(h.workers.at(urlOf(W2)).stops, []);
  const task = h.manager.getTask(id);
  assert.equal(task.nodeId, W2.id);
  assert.equal(task.generation, 2);
  assert.equal(task.state, TaskState.Running);

  await runFor(h, SWEEP_MS, [W1, W2]);
  assert.equal(h.manager.getTask(id).nodeId, W2.id);
  assert.equal(h.workers.totalStarts(), 2);
});

test('a returning node that heartbeats the old copy is told to stop it, and the task keeps its new owner', async (t) => {
  const { h, id } = await failOver(t);
  const w1 = h.workers.at(urlOf(W1));
  await h.manager.heartbeat(W1.id, beat(W1, w1.activeReports()));
  await settle(h.manager);
  assert.equal(h.manager.listNodes().find((n) => n.id === W1.id)?.state, 'Up');
  assert.deepEqual(w1.stops, [id]);
  const task = h.manager.getTask(id);
  assert.equal(task.nodeId, W2.id);
  assert.equal(task.generation, 2);
  assert.equal(task.state, TaskState.Running);
});

test('a Completed report from the node that lost the task does not change its state or owner', async (t) => {
  const { h, id } = await failOver(t);
  await h.manager.report(W1.id, [report(id, 1, 'Completed', { exitCode: 0, reason: 'stopped' })]);
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Running);
  assert.equal(task.nodeId, W2.id);
});

/** w1 runs a task at generation 2: it lost the first copy (re-registered without it) and got it again. */
async function secondGeneration(t: TestContext): Promise<{ h: Harness; id: string }> {
  const { h, id } = await withTask(t, '91');
  await h.manager.register(registration(W1, []));
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.generation, 2);
  assert.equal(task.state, TaskState.Running);
  assert.deepEqual(h.workers.at(urlOf(W1)).startsOf(id), [1, 2]);
  return { h, id };
}

test('a report with an older generation is ignored and the copy it describes is stopped on that node', async (t) => {
  const { h, id } = await secondGeneration(t);
  const before = h.manager.getTask(id);
  await h.manager.report(W1.id, [report(id, 1, 'Running', { containerId: 'ctr-stale', reason: 'stale copy' })]);
  await settle(h.manager);
  const after = h.manager.getTask(id);
  assert.equal(after.state, TaskState.Running);
  assert.equal(after.generation, 2);
  assert.equal(after.containerId, before.containerId);
  assert.equal(after.reason, before.reason);
  assert.deepEqual(h.workers.at(urlOf(W1)).stops, [id]);
});

test('a Failed report with an older generation does not fail the current copy', async (t) => {
  const { h, id } = await secondGeneration(t);
  await h.manager.report(W1.id, [report(id, 1, 'Failed', { exitCode: 137, reason: 'killed' })]);
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Running);
  assert.equal(task.exitCode, null);
});

test('a report about a task the manager never heard of is answered with a stop', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const stray = uuid('5a');
  await h.manager.report(W1.id, [report(stray, 1, 'Running')]);
  await settle(h.manager);
  assert.deepEqual(h.workers.at(urlOf(W1)).stops, [stray]);
  assert.throws(() => h.manager.getTask(stray), { code: 'task_not_found' });
});

test('a report from a node that never registered is refused with node_not_found', async (t) => {
  const h = await startManager(t);
  await assert.rejects(h.manager.report(W1.id, []), { code: 'node_not_found', message: /; register first$/ });
  await assert.rejects(h.manager.heartbeat(W1.id, beat(W1)), { code: 'node_not_found', message: /; register first$/ });
  // a person's `node rm` of a name no node has is told where the nodes are, not to register
  await assert.rejects(h.manager.removeNode('nosuch'), {
    code: 'node_not_found',
    message: 'no node nosuch; poseidon node lists the nodes',
  });
});

test('a report that only adds the host ports of the running copy is recorded', async (t) => {
  const { h, id } = await withTask(t, 'b0', {
    fields: { ports: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }] },
  });
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Running);
  // the same report as the dispatch answer, now with the host port Docker picked
  await h.manager.report(W1.id, [
    report(id, 1, 'Running', {
      containerId: task.containerId,
      reason: task.reason,
      startedAt: task.startedAt,
      ports: [{ container: 80, host: 32768, protocol: 'tcp' }],
    }),
  ]);
  await settle(h.manager);
  assert.deepEqual(h.manager.getTask(id).ports, [{ container: 80, host: 32768, protocol: 'tcp' }]);
});

// ---- heartbeats with a digest instead of the task list ----

function digestBeat(
  n: NodeSpec,
  tasks: Array<{ taskId: string; generation: number }>,
): { metrics: RegisterRequest['metrics']; tasks: TaskReport[]; digest: TaskDigest } {
  return { metrics: registration(n).metrics, tasks: [], digest: digestOf(tasks) };
}

test('a worker beating with a digest that matches what was placed on it is never asked for its tasks', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const ids = [uuid('d101'), uuid('d102')];
  for (const id of ids) await h.manager.submit(request(id));
  await settle(h.manager);
  const held = ids.map((taskId) => ({ taskId, generation: 1 }));
  for (let i = 0; i < 3; i++)
    assert.equal((await h.manager.heartbeat(W1.id, digestBeat(W1, [...held].reverse()))).resync, undefined);
});

test('a digest that disagrees twice in a row, the worker holding the same set, asks for the list, and the list gets the stale copy stopped', async (t) => {
  const { h, id } = await failOver(t);
  const w1 = h.workers.at(urlOf(W1));
  const stale = [{ taskId: id, generation: 1 }];
  assert.equal(
    (await h.manager.heartbeat(W1.id, digestBeat(W1, stale))).resync,
    undefined,
    'one disagreement may be a dispatch in flight',
  );
  assert.equal((await h.manager.heartbeat(W1.id, digestBeat(W1, stale))).resync, true);
  await h.manager.heartbeat(W1.id, { ...digestBeat(W1, stale), tasks: w1.activeReports() });
  await settle(h.manager);
  assert.deepEqual(w1.stops, [id]);
  assert.equal(h.manager.getTask(id).nodeId, W2.id);
});

test('a digest that disagrees but changes from beat to beat (tasks still arriving) does not ask for the list', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const replies = [];
  for (let i = 0; i < 4; i++)
    replies.push(
      (await h.manager.heartbeat(W1.id, digestBeat(W1, [{ taskId: uuid(`d2${i}`), generation: 1 }]))).resync,
    );
  assert.deepEqual(replies, [undefined, undefined, undefined, undefined]);
});

// ---- restart policy ----

test('a task that fails is started again on its node with a new generation after the backoff', async (t) => {
  const { h, id } = await withTask(t, '7e01'); // default policy: on-failure, first backoff 500 ms
  const running = h.manager.getTask(id);
  await h.manager.report(W1.id, [
    failed(id, { containerId: running.containerId, startedAt: running.startedAt, finishedAt: running.startedAt }),
  ]);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, TaskState.Failed);
  assert.deepEqual(h.workers.at(urlOf(W1)).startsOf(id), [1]);

  h.clock.advance(DEFAULT_RESTART_POLICY.backoffInitialMs - 1);
  await settle(h.manager);
  assert.deepEqual(h.workers.at(urlOf(W1)).startsOf(id), [1]);
  h.clock.advance(1);
  await settle(h.manager);
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Running);
  assert.equal(task.generation, 2);
  assert.equal(task.restarts, 1);
  assert.deepEqual(h.workers.at(urlOf(W1)).startsOf(id), [1, 2]);
});

test('a task whose restart policy is never stays Failed', async (t) => {
  const { h, id } = await withTask(t, '7e02', {
    fields: { restartPolicy: { ...DEFAULT_RESTART_POLICY, mode: 'never' } },
  });
  await h.manager.report(W1.id, [failed(id)]);
  await runFor(h, SWEEP_MS, [W1]);
  assert.equal(h.manager.getTask(id).state, TaskState.Failed);
  assert.equal(h.workers.totalStarts(), 1);
});

test('stopping a task that waits for its restart cancels the restart', async (t) => {
  const { h, id } = await withTask(t, '7e03');
  await h.manager.report(W1.id, [failed(id)]);
  await settle(h.manager);
  const stopped = await h.manager.stopTask(id);
  assert.equal(stopped.reason, 'exited with code 1', 'why it ended stays; the restart it planned is gone');
  await runFor(h, SWEEP_MS, [W1]);
  const task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Failed);
  assert.equal(task.desiredState, 'stopped');
  assert.equal(task.reason, 'exited with code 1');
  assert.equal(h.workers.totalStarts(), 1);
});

test('stopping a task its restart policy gave up on leaves it as it ended: no new reason, no event', async (t) => {
  const { h, id } = await withTask(t, '7e04', {
    fields: { restartPolicy: { ...DEFAULT_RESTART_POLICY, mode: 'on-failure', maxRestarts: 0 } },
  });
  await h.manager.report(W1.id, [failed(id)]);
  await settle(h.manager);
  const ended = h.manager.getTask(id);
  assert.deepEqual([ended.state, ended.desiredState, ended.restartAt], [TaskState.Failed, 'running', null]);
  const events: string[] = [];
  h.manager.events.subscribe((e) => events.push(e.type));
  const view = await h.manager.stopTask(id);
  await settle(h.manager);
  assert.deepEqual(view, ended, 'the answer is the task as it ended');
  assert.deepEqual(h.manager.getTask(id), ended);
  assert.deepEqual(events, []);
});

// ---- stopping ----

test('stopTask by prefix sets desired stopped, stops the copy on its worker, and the task ends Completed and is never placed again', async (t) => {
  const { h, id } = await withTask(t, '5709', { nodes: [W1, W2] });
  const owner = h.manager.getTask(id).nodeId;
  assert.equal(owner, W1.id);

  const events: string[] = [];
  h.manager.events.subscribe((e) => events.push(`${e.type}: ${e.reason ?? ''}`));
  const view = await h.manager.stopTask('5709');
  assert.equal(view.desiredState, 'stopped');
  // not the reason the record keeps until the container ends ("running")
  assert.ok(events.includes('task.stopped: stop requested'), events.join('; '));
  await settle(h.manager);
  assert.deepEqual(h.workers.at(urlOf(W1)).stops, [id]);
  let task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Completed);
  assert.equal(task.desiredState, 'stopped');

  await runFor(h, 3 * SWEEP_MS, [W1, W2]);
  task = h.manager.getTask(id);
  assert.equal(task.state, TaskState.Completed);
  assert.equal(h.workers.totalStarts(), 1);
  assert.equal(h.workers.totalStops(), 1);
});

test('stopping a Pending task completes it without calling any worker', async (t) => {
  const h = await startManager(t);
  const id = uuid('5a01');
  await h.manager.submit(request(id));
  await settle(h.manager);
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, TaskState.Completed);
  await h.manager.register(registration(W1));
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, TaskState.Completed);
  assert.equal(h.workers.totalStarts(), 0);
  assert.equal(h.workers.totalStops(), 0);
});

test('stopTask twice asks the worker once', async (t) => {
  const { h, id, w1 } = await withTask(t, '5a02');
  await h.manager.stopTask(id);
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.deepEqual(w1.stops, [id]);
});

test('a stop the worker failed is retried on a later pass', async (t) => {
  const { h, id, w1 } = await withTask(t, '5a03');
  w1.stopMode = 'fail';
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.equal(w1.stops.length, 1);
  assert.equal(h.manager.getTask(id).state, TaskState.Running);

  w1.stopMode = 'complete';
  h.clock.advance(1_000);
  await settle(h.manager);
  assert.equal(w1.stops.length, 2);
  assert.equal(h.manager.getTask(id).state, TaskState.Completed);
});

test('stopping a task whose node is Down completes it, and the node is told to stop the copy when it returns', async (t) => {
  const { h, id, w1 } = await withTask(t, '5a04');
  await runFor(h, GRACE_MS, []);
  // no other node: the lost task waits as Pending, so stop it while w1 is away
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.equal(h.manager.getTask(id).state, TaskState.Completed);

  await h.manager.register(registration(W1, w1.activeReports()));
  await settle(h.manager);
  assert.deepEqual(w1.stops, [id]);
  assert.equal(h.manager.getTask(id).state, TaskState.Completed);
  assert.equal(w1.starts.length, 1);
});

// ---- ids ----

test('a unique id prefix resolves to its task; an ambiguous one throws ambiguous_id; an unknown one task_not_found', async (t) => {
  const h = await startManager(t);
  const a1 = uuid('aaaa0001');
  const a2 = uuid('aaaa0002');
  const b1 = uuid('bbbb0001');
  for (const id of [a1, a2, b1]) await h.manager.submit(request(id));

  assert.equal(h.manager.getTask(a1).id, a1);
  assert.equal(h.manager.getTask('aaaa0001').id, a1);
  assert.equal(h.manager.getTask('b').id, b1);
  assert.equal(h.manager.getTask('BBBB').id, b1);
  assert.throws(() => h.manager.getTask('aaaa'), { code: 'ambiguous_id' });
  assert.throws(() => h.manager.getTask('cccc'), { code: 'task_not_found' });
  assert.throws(() => h.manager.getTask(''), { code: 'task_not_found' });
  await assert.rejects(h.manager.stopTask('aaaa'), { code: 'ambiguous_id' });
  await assert.rejects(h.manager.stopTask('cccc'), { code: 'task_not_found' });
  assert.equal(h.manager.getTask(a1).desiredState, 'running');
  assert.equal(h.manager.getTask(a2).desiredState, 'running');
});

test('resubmitting the same task is idempotent; a different task with the same id throws task_exists', async (t) => {
  const h = await startManager(t);
  const id = uuid('dd01');
  await h.manager.submit(request(id));
  await h.manager.submit(request(id));
  assert.equal(h.manager.listTasks().length, 1);
  await assert.rejects(h.manager.submit(request(id, { image: 'redis:7' })), { code: 'task_exists' });
});

test('a second task under a name a task not ended holds is refused 409 naming it; an ended one frees the name', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  const first = uuid('dd11');
  await h.manager.submit(request(first, { name: 'db' }));
  await settle(h.manager);
  const second = uuid('dd12');
  await assert.rejects(h.manager.submit(request(second, { name: 'db' })), {
    code: 'task_name_taken',
    message:
      `the name db is in use by task ${first} (Running), which has not ended; ` +
      `stop it first (poseidon stop ${first}), or give this task another name`,
  });
  assert.throws(() => h.manager.getTask(second), { code: 'task_not_found' }, 'nothing was made of it');
  await h.manager.submit(request(first, { name: 'db' })); // the same task again: idempotent, as before
  await h.manager.stopTask('db');
  await assert.rejects(h.manager.submit(request(second, { name: 'db' })), { code: 'task_name_taken' }, 'stopping');
  await settle(h.manager);
  assert.equal(h.manager.getTask(first).state, 'Completed');
  await h.manager.submit(request(second, { name: 'db' }));
  assert.equal(h.manager.getTask('db').id, second, 'the name finds the task not ended');
  assert.equal((await h.manager.stopTask('db')).id, second, 'and so does stop by name');
  assert.equal(h.manager.getTask(first).state, 'Completed', 'the ended one is left as it was');
});

test("a plain task may not take the name of a service's replica still running", async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create({ name: 'web', replicas: 1, task: { image: 'poseidon/busybox:latest' } });
  await settle(h.manager);
  const [replica] = h.manager.services.tasks('web');
  assert.equal(replica?.name, 'web-1');
  await assert.rejects(h.manager.submit(request(uuid('dd21'), { name: 'web-1' })), {
    code: 'task_name_taken',
    message:
      `the name web-1 is in use by task ${replica.id} (Running, a replica of service web), which has not ended; ` +
      'give this task another name',
  });
});

// ---- manager restart ----

test('a second manager over the same store loads every task with its state, node and generation, and starts nothing again', async (t) => {
  const first = await startManager(t);
  await first.manager.register(registration({ ...W1, memoryGiB: 2 }));
  const running = uuid('e001');
  const pending = uuid('e002');
  const stopped = uuid('e003');
  await first.manager.submit(request(running, { memoryBytes: GiB }));
  await first.manager.submit(request(pending, { memoryBytes: 4 * GiB }));
  await first.manager.submit(request(stopped));
  await settle(first.manager);
  await first.manager.stopTask(stopped);
  await settle(first.manager);
  const before = first.manager
    .listTasks()
    .map((v) => ({ id: v.id, state: v.state, nodeId: v.nodeId, generation: v.generation, desired: v.desiredState }));
  assert.deepEqual(
    before.map((v) => v.state),
    [TaskState.Running, TaskState.Pending, TaskState.Completed],
  );
  await first.manager.stop();

  const second = await startManager(t, { store: first.store, clock: first.clock });
  await settle(second.manager);
  const after = second.manager
    .listTasks()
    .map((v) => ({ id: v.id, state: v.state, nodeId: v.nodeId, generation: v.generation, desired: v.desiredState }));
  assert.deepEqual(after, before);
  assert.deepEqual(
    second.manager.listNodes().map((n) => [n.id, n.state]),
    [[W1.id, 'Unknown']],
  );
  assert.equal(second.workers.totalStarts(), 0);
  assert.equal(second.workers.totalStops(), 0);

  // the node comes back with its task: adopted as is, nothing started
  await second.manager.register(registration({ ...W1, memoryGiB: 2 }, first.workers.at(urlOf(W1)).activeReports()));
  await settle(second.manager);
  const task = second.manager.getTask(running);
  assert.equal(task.state, TaskState.Running);
  assert.equal(task.nodeId, W1.id);
  assert.equal(task.generation, 1);
  assert.equal(second.workers.totalStarts(), 0);
});

test('after a manager restart a silent known node is declared Down only after twice the grace', async (t) => {
  const first = await startManager(t);
  await first.manager.register(registration(W1));
  await first.manager.stop();

  const second = await startManager(t, { store: first.store, clock: first.clock });
  second.clock.advance(2 * GRACE_MS - 1);
  await settle(second.manager);
  assert.equal(second.manager.listNodes()[0]?.state, 'Unknown');
  second.clock.advance(1);
  await settle(second.manager);
  assert.equal(second.manager.listNodes()[0]?.state, 'Down');
});

// ---- node identity ----

test('a second live node registering a taken name with a different node id is refused with node_name_taken', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await assert.rejects(h.manager.register(registration({ id: W2.id, name: W1.name })), { code: 'node_name_taken' });
  assert.deepEqual(
    h.manager.listNodes().map((n) => n.id),
    [W1.id],
  );
  // the holder itself may register again
  await h.manager.register(registration(W1));
});

test('a name held by a Down node can be taken by a new node id', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await runFor(h, GRACE_MS, []);
  assert.equal(h.manager.listNodes()[0]?.state, 'Down');
  await h.manager.register(registration({ id: W2.id, name: W1.name }));
  assert.equal(h.manager.listNodes().find((n) => n.id === W2.id)?.state, 'Up');
  // two nodes of one name now: drain and rm by that name would guess, so they need the id
  await assert.rejects(h.manager.drainNode(W1.name), {
    code: 'ambiguous_id',
    message: `2 nodes are named "${W1.name}" (${W1.id}, ${W2.id}); give the id`,
  });
  await assert.rejects(h.manager.removeNode(W1.name), { code: 'ambiguous_id' });
  assert.equal(h.manager.listNodes().length, 2, 'nothing removed');
  const removed = await h.manager.removeNode(W1.id);
  assert.equal(removed.name, W1.name);
  // one of that name left: the name finds it again
  assert.equal((await h.manager.drainNode(W1.name)).availability, 'drain');
});

// ---- shutdown ----

test('after stop() no timer the manager set makes it call a worker again', async (t) => {
  const { h, id, w1 } = await withTask(t, 'ff01');
  w1.stopMode = 'fail';
  await h.manager.stopTask(id);
  await settle(h.manager);
  assert.equal(w1.stops.length, 1);

  await h.manager.stop();
  h.clock.advance(10 * SWEEP_MS);
  await settle(h.manager);
  assert.equal(w1.stops.length, 1, 'a stop was retried after the manager stopped');
});

test('stop() returns only after the work it waited for has finished: no dispatch afterwards', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration({ ...W1, memoryGiB: 1 }));
  const first = uuid('ff02');
  const second = uuid('ff03');
  await h.manager.submit(request(first, { memoryBytes: GiB }));
  await settle(h.manager);
  await h.manager.submit(request(second, { memoryBytes: GiB }));
  await settle(h.manager);
  assert.equal(h.manager.getTask(second).state, TaskState.Pending);

  const w1 = h.workers.at(urlOf(W1));
  w1.stopMode = 'hold';
  await h.manager.stopTask(first);
  await settle(h.manager);
  assert.deepEqual(w1.stops, [first]);

  const stopped = h.manager.stop();
  w1.releaseStops(); // the worker answers while the manager shuts down: capacity frees up
  await stopped;
  const startsAtStop = w1.starts.length;
  for (let i = 0; i < 20; i++) await flush();
  assert.equal(w1.starts.length, startsAtStop, 'the manager dispatched a task after stop() returned');
});
