import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { TaskReport, WorkerTaskView } from '../../../src/api/index.js';
import { ServerUnreachable } from '../../../src/client/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { Dispatcher, specToSend, STOP_CALL_MARGIN_MS, type WorkerCalls } from '../../../src/manager/dispatcher.js';
import { ManagerMetrics } from '../../../src/manager/metrics.js';
import { DISPATCH_RETRY_MS } from '../../../src/manager/reconcile.js';
import type { NodeEntry } from '../../../src/manager/records.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import { on } from './records-fixture.js';

// The dispatcher alone: scripted worker calls, and what it makes of their answers recorded.

type Answer = 'run' | 'refuse' | 'unreachable' | 'task-gone' | 'no-route';

class Worker implements WorkerCalls {
  readonly starts: Array<[string, number | undefined]> = [];
  readonly stops: Array<[string, number | undefined]> = [];
  readonly stopTimeouts: Array<number | undefined> = [];
  answer: Answer = 'run';
  async startTask(body: unknown, opts: { generation?: number } = {}): Promise<WorkerTaskView> {
    const id = (body as { id: string }).id;
    this.starts.push([id, opts.generation]);
    this.#fail();
    return workerTaskView(id, { generation: opts.generation ?? 0 });
  }
  async stopTask(id: string, opts: { generation?: number; timeoutMs?: number } = {}): Promise<WorkerTaskView> {
    this.stops.push([id, opts.generation]);
    this.stopTimeouts.push(opts.timeoutMs);
    this.#fail();
    return workerTaskView(id, { state: 'Completed', generation: 1 });
  }
  #fail(): void {
    if (this.answer === 'refuse') throw new RemoteError('image_unavailable', 422, 'no such image');
    if (this.answer === 'unreachable') throw new ServerUnreachable('http://w1', 'worker at http://w1');
    if (this.answer === 'task-gone') throw new RemoteError('task_not_found', 404, 'no task');
    if (this.answer === 'no-route') throw new RemoteError('not_found', 404, 'no route DELETE /tasks/x');
  }
}

function node(id: string, extra: Partial<NodeEntry['record']> = {}): NodeEntry {
  const capacity = { cpuCores: 1, memoryBytes: 1, diskBytes: 1 };
  return {
    record: { id, name: id, url: `http://${id}`, capacity, static: false, registeredAt: 't', ...extra },
    state: 'Up',
    lastHeartbeatMs: 0,
    metrics: null,
  };
}

function setup() {
  const clock = new FakeClock();
  const workers = new Map([
    ['http://n1', new Worker()],
    ['http://n2', new Worker()],
  ]);
  const reported: Array<[string, TaskReport[]]> = [];
  const refused: string[] = [];
  const gone: string[] = [];
  const retries: Array<[string, number]> = [];
  const pending = new Set<Promise<unknown>>();
  const metrics = new ManagerMetrics(new Registry(), {
    tasksByState: () => new Map(),
    nodesByState: () => new Map(),
    nodes: () => [],
    storeStats: () => ({ writes: 0, commits: 0 }),
  });
  const dispatcher = new Dispatcher({
    nodes: new Map([
      ['n1', node('n1')],
      ['n2', node('n2', { stopGraceSeconds: 60 })],
    ]),
    workerClient: (url) => workers.get(url) as Worker,
    clock,
    log: pino({ level: 'silent' }),
    metrics,
    track: (p) => {
      pending.add(p);
      void p.catch(() => {}).finally(() => pending.delete(p));
    },
    outcomes: {
      reported: async (nodeId, reports) => void reported.push([nodeId, reports]),
      refused: async (_nodeId, taskId, _generation, why) => void refused.push(`${taskId}: ${why}`),
      gone: async (taskId) => void gone.push(taskId),
      retryAt: (taskId, atMs) => void retries.push([taskId, atMs]),
    },
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await Promise.allSettled([...pending]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const w1 = workers.get('http://n1') as Worker;
  return { dispatcher, clock, w1, w2: workers.get('http://n2') as Worker, reported, refused, gone, retries, settle };
}

test('each task goes to the node of its placement under its generation, and its answer comes back as a report', async () => {
  const s = setup();
  s.dispatcher.dispatch([
    on('a', 'Scheduled', 'n1', 3),
    on('b', 'Scheduled', 'n2', 1),
    on('c', 'Scheduled', 'gone-node', 1),
  ]);
  assert.ok(s.dispatcher.isDispatched('a'));
  assert.equal(s.dispatcher.isDispatched('c'), false, 'no dispatch to a node the manager does not know');
  await s.settle();
  assert.deepEqual(s.w1.starts, [['a', 3]]);
  assert.deepEqual(s.w2.starts, [['b', 1]]);
  assert.deepEqual(s.reported.map(([n, r]) => [n, r.map((x) => x.taskId)]).sort(), [
    ['n1', ['a']],
    ['n2', ['b']],
  ]);
});

test('a task the worker refuses is reported refused; an unreachable worker gets it again after the retry delay', async () => {
  const s = setup();
  s.w1.answer = 'refuse';
  s.dispatcher.dispatch([on('a', 'Scheduled', 'n1')]);
  await s.settle();
  assert.deepEqual(s.refused, ['a: no such image']);
  s.w1.answer = 'unreachable';
  const sentAt = s.clock.now();
  s.dispatcher.dispatch([on('b', 'Scheduled', 'n1')]);
  await s.settle();
  assert.deepEqual(s.retries, [['b', sentAt + DISPATCH_RETRY_MS]]);
  assert.deepEqual(s.refused, ['a: no such image']);
});

test('a stop in flight is known to reconcile; its answer is a report from that node', async () => {
  const s = setup();
  s.dispatcher.stop('a', 'n1');
  assert.ok(s.dispatcher.stopping.has('a'));
  await s.settle();
  assert.equal(s.dispatcher.stopping.has('a'), false);
  assert.deepEqual(s.w1.stops, [['a', undefined]]);
  assert.deepEqual(
    s.reported.map(([n, r]) => [n, r[0]?.state]),
    [['n1', 'Completed']],
  );
});

test('a stop that finds the task gone completes it; a worker without the route is retried, not taken for "gone"', async () => {
  const s = setup();
  s.w1.answer = 'task-gone';
  s.dispatcher.stop('a', 'n1');
  await s.settle();
  assert.deepEqual(s.gone, ['a']);
  s.w1.answer = 'no-route';
  s.dispatcher.stop('b', 'n1');
  await s.settle();
  assert.deepEqual(s.gone, ['a'], 'a missing route is not a missing task');
  assert.deepEqual(
    s.retries.map(([id]) => id),
    ['b'],
  );
});

test('a copy a node no longer owns is stopped there only up to its generation', async () => {
  const s = setup();
  s.dispatcher.stopCopy('n2', 'a', 4, 'task runs elsewhere now');
  await s.settle();
  assert.deepEqual(s.w2.stops, [['a', 4]]);
});

test("a stop call waits out the worker's stop grace: the one it registered with, else the default 10 s", async () => {
  const s = setup();
  s.dispatcher.stop('a', 'n1'); // n1 did not say (an older worker)
  s.dispatcher.stop('b', 'n2'); // n2 registered with --stop-grace 60
  s.dispatcher.stopCopy('n2', 'c', 4, 'moved');
  await s.settle();
  assert.deepEqual(s.w1.stopTimeouts, [10_000 + STOP_CALL_MARGIN_MS]);
  assert.deepEqual(s.w2.stopTimeouts, [60_000 + STOP_CALL_MARGIN_MS, 60_000 + STOP_CALL_MARGIN_MS]);
});

test('settled forgets a dispatch: reconcile may send it again only if it is placed again', () => {
  const s = setup();
  s.dispatcher.dispatch([on('a', 'Scheduled', 'n1')]);
  s.dispatcher.settled('a');
  assert.equal(s.dispatcher.isDispatched('a'), false);
  assert.equal(s.dispatcher.dispatchedAt.has('a'), false);
});

test('a service replica goes to its worker labelled with its service (its tunnel reaches replicas only); a plain task, as it is', () => {
  const plain = on('a', 'Scheduled', 'n1', 1);
  assert.equal(specToSend(plain).labels?.['poseidon.service'], undefined);
  const replica = { ...plain, service: { service: 'web', slot: 1, version: 1 } };
  assert.deepEqual(specToSend(replica).labels, { ...plain.request.labels, 'poseidon.service': 'web' });
  assert.equal(plain.request.labels['poseidon.service'], undefined, 'the stored request is left as it is');
});
