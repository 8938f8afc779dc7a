import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type BatchStart, type BatchStartResult, type WorkerTaskView } from '../../../src/api/index.js';
import { ServerUnreachable, type StartTaskOptions } from '../../../src/client/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { BATCH_GAP_MS, StartBatches, type DispatchItem, type WorkerCalls } from '../../../src/manager/start-batches.js';
import { ManagerMetrics } from '../../../src/manager/metrics.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';

// StartBatches alone: a scripted worker client, and the outcomes it reports recorded.

const URL_W1 = 'http://w1.test:7070';

function item(n: number, generation = 1): DispatchItem {
  const taskId = `t${n}`;
  return { taskId, generation, spec: { id: taskId, name: `task-${n}`, image: 'nginx:1.27' } };
}

function view(spec: unknown, generation: number): WorkerTaskView {
  return workerTaskView((spec as { id: string }).id, { generation });
}

/** A worker client whose batch answers are held until released, so a test sees what queues meanwhile. */
class ScriptedWorker implements WorkerCalls {
  readonly singles: string[] = [];
  readonly batches: string[][] = [];
  /** What the next batch calls do: answer, answer 404 (no such route), fail unreachable, or refuse one task. */
  batchMode: 'answer' | 'no-route' | 'unreachable' | { refuse: string } = 'answer';
  holdBatches = false;
  readonly #held: Array<() => void> = [];

  async startTask(body: unknown, opts: StartTaskOptions = {}): Promise<WorkerTaskView> {
    this.singles.push((body as { id: string }).id);
    return view(body, opts.generation ?? 0);
  }
  async stopTask(): Promise<WorkerTaskView> {
    throw new Error('not used');
  }
  async startTasks(tasks: readonly BatchStart[]): Promise<BatchStartResult[]> {
    this.batches.push(tasks.map((t) => (t.spec as { id: string }).id));
    if (this.holdBatches) await new Promise<void>((resolve) => this.#held.push(resolve));
    const mode = this.batchMode;
    if (mode === 'no-route') throw new RemoteError('not_found', 404, 'no route POST /tasks/batch');
    if (mode === 'unreachable') throw new ServerUnreachable(URL_W1, `worker at ${URL_W1}`);
    return tasks.map((t): BatchStartResult => {
      const id = (t.spec as { id: string }).id;
      if (typeof mode === 'object' && mode.refuse === id)
        return { error: { code: 'invalid_request', status: 400, message: 'body/image is not an image reference' } };
      return { task: view(t.spec, t.generation) };
    });
  }
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

interface Harness {
  dispatcher: StartBatches;
  clock: FakeClock;
  started: string[];
  failed: Array<{ taskId: string; code: string }>;
  settle(): Promise<void>;
}

function harness(client: WorkerCalls): Harness {
  const started: string[] = [];
  const failed: Array<{ taskId: string; code: string }> = [];
  const pending = new Set<Promise<unknown>>();
  const clock = new FakeClock();
  const dispatcher = new StartBatches({
    workerClient: () => client,
    clock,
    log: pino({ level: 'silent' }),
    metrics: new ManagerMetrics(new Registry(), {
      tasksByState: () => new Map(),
      nodesByState: () => new Map(),
      nodes: () => [],
      storeStats: () => ({ writes: 0, commits: 0 }),
    }),
    started: async (_nodeId, views) => {
      started.push(...views.map((v) => v.id));
    },
    failed: async (_nodeId, it, err) => {
      failed.push({ taskId: it.taskId, code: err instanceof RemoteError ? err.code : 'other' });
    },
    track: (p) => {
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
  });
  /** Waits for every call under way, letting each batch gap pass. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => setImmediate(resolve));
      clock.advance(BATCH_GAP_MS);
    }
  };
  return { dispatcher, clock, started, failed, settle };
}

test('the tasks of one send to a worker with the batch route go in one request', async () => {
  const w = new ScriptedWorker();
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1), item(2), item(3)]);
  await h.settle();
  assert.deepEqual(w.batches, [['t1', 't2', 't3']]);
  assert.deepEqual(w.singles, []);
  assert.deepEqual(h.started, ['t1', 't2', 't3']);
});

test('tasks sent while a batch is out wait, and all go together in the next one', async () => {
  const w = new ScriptedWorker();
  w.holdBatches = true;
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1)]);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(2)]);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(3), item(4)]);
  assert.deepEqual(w.batches, [['t1']]);
  w.holdBatches = false;
  w.release();
  await h.settle();
  assert.deepEqual(w.batches, [['t1'], ['t2', 't3', 't4']]);
  assert.deepEqual(h.started, ['t1', 't2', 't3', 't4']);
});

test('batches to one worker begin a gap apart: what comes within it goes together at its end; an idle worker gets its task at once', async () => {
  const w = new ScriptedWorker();
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1)]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(w.batches, [['t1']], 'the first task of a quiet worker goes at once');

  h.dispatcher.send('w1', URL_W1, 'w1', [item(2)]);
  h.clock.advance(BATCH_GAP_MS / 2);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(3)]);
  h.dispatcher.send('w2', 'http://w2.test:7070', 'w2', [item(4)]);
  assert.deepEqual(w.batches, [['t1'], ['t4']], 'within the gap only another worker gets a batch');
  h.clock.advance(BATCH_GAP_MS / 2);
  assert.deepEqual(w.batches, [['t1'], ['t4'], ['t2', 't3']], 'at its end, what came within it goes in one batch');

  await new Promise<void>((resolve) => setImmediate(resolve));
  h.clock.advance(BATCH_GAP_MS);
  assert.equal(h.clock.pendingTimers, 0, 'a lane idle for a gap is gone, and with it its timer');
  h.dispatcher.send('w1', URL_W1, 'w1', [item(5)]);
  assert.deepEqual(w.batches.at(-1), ['t5'], 'after a quiet gap, at once again');
  await h.settle();
  assert.deepEqual(h.started, ['t1', 't4', 't2', 't3', 't5']);
});

test('closing sends what waits for its gap at once, and keeps no gap after', async () => {
  const w = new ScriptedWorker();
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1)]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  h.dispatcher.send('w1', URL_W1, 'w1', [item(2)]);
  assert.deepEqual(w.batches, [['t1']]);
  h.dispatcher.close();
  assert.deepEqual(w.batches, [['t1'], ['t2']], 'the waiting task goes at close, with no time passed');
  await new Promise<void>((resolve) => setImmediate(resolve));
  h.dispatcher.send('w1', URL_W1, 'w1', [item(3)]);
  assert.deepEqual(w.batches.at(-1), ['t3'], 'and a later one at once');
  assert.equal(h.clock.pendingTimers, 0, 'no timer outlives the close');
});

test('a worker without the batch route (404 not_found) gets one start per task, now and later, until it registers again', async () => {
  const w = new ScriptedWorker();
  w.batchMode = 'no-route';
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1), item(2)]);
  await h.settle();
  assert.deepEqual(w.batches, [['t1', 't2']]);
  assert.deepEqual(w.singles, ['t1', 't2']);
  assert.deepEqual(h.started, ['t1', 't2']);
  assert.deepEqual(h.failed, []);

  h.dispatcher.send('w1', URL_W1, 'w1', [item(3), item(4)]);
  await h.settle();
  assert.equal(w.batches.length, 1, 'no second batch to a worker known to lack the route');
  assert.deepEqual(w.singles, ['t1', 't2', 't3', 't4']);

  w.batchMode = 'answer';
  h.dispatcher.forget(URL_W1);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(5), item(6)]);
  await h.settle();
  assert.deepEqual(w.batches.at(-1), ['t5', 't6']);
});

test('a task the worker refuses inside a batch fails alone; the others start', async () => {
  const w = new ScriptedWorker();
  w.batchMode = { refuse: 't2' };
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1), item(2), item(3)]);
  await h.settle();
  assert.deepEqual(h.started, ['t1', 't3']);
  assert.deepEqual(h.failed, [{ taskId: 't2', code: 'invalid_request' }]);
});

test('a batch the worker never answers fails every task in it, and the next batch goes out', async () => {
  const w = new ScriptedWorker();
  w.batchMode = 'unreachable';
  const h = harness(w);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1), item(2)]);
  await h.settle();
  assert.deepEqual(
    h.failed.map((f) => f.taskId),
    ['t1', 't2'],
  );
  w.batchMode = 'answer';
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1, 1)]);
  await h.settle();
  assert.deepEqual(h.started, ['t1']);
});

test('a client without startTasks gets one startTask per task', async () => {
  const singles: string[] = [];
  const client: WorkerCalls = {
    startTask: async (body, opts) => {
      singles.push((body as { id: string }).id);
      return view(body, opts?.generation ?? 0);
    },
    stopTask: async () => {
      throw new Error('not used');
    },
  };
  const h = harness(client);
  h.dispatcher.send('w1', URL_W1, 'w1', [item(1), item(2)]);
  await h.settle();
  assert.deepEqual(singles, ['t1', 't2']);
  assert.deepEqual(h.started, ['t1', 't2']);
});
