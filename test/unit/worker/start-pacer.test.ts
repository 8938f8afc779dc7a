import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ContainerState, Driver, ExecOutput, ExecRun, StartOptions } from '../../../src/driver/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import type { LineSpot } from '../../../src/worker/pacer.js';
import { DEFAULT_START_CONCURRENCY, StartPacer } from '../../../src/worker/start-pacer.js';
import { Worker, type WorkerTaskRecord } from '../../../src/worker/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

/** A promise and the functions that settle it, for starts the test finishes by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued callbacks run (turns handed over, awaits resumed). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Starts that stay in flight until the test finishes them, counting how many ran at once. */
class HeldStarts {
  readonly held = new Map<string, ReturnType<typeof deferred<string>>>();
  readonly order: string[] = [];
  running = 0;
  mostAtOnce = 0;

  start(name: string): () => Promise<string> {
    return async () => {
      this.order.push(name);
      this.running += 1;
      this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
      const d = deferred<string>();
      this.held.set(name, d);
      try {
        return await d.promise;
      } finally {
        this.running -= 1;
      }
    };
  }

  finish(name: string): void {
    const d = this.held.get(name);
    assert.ok(d !== undefined, `${name} is not in flight`);
    d.resolve(name);
  }
}

describe('StartPacer', () => {
  test('runs at most `concurrency` starts at once and the rest in the order they came', async () => {
    const pacer = new StartPacer(2);
    const starts = new HeldStarts();
    const results = ['a', 'b', 'c', 'd', 'e'].map((n) => pacer.run(starts.start(n)));
    await flush();
    assert.deepEqual(starts.order, ['a', 'b']);
    assert.equal(pacer.active, 2);
    assert.equal(pacer.waiting, 3);

    starts.finish('b');
    await flush();
    assert.deepEqual(starts.order, ['a', 'b', 'c'], 'a freed turn goes to the first in line');
    starts.finish('a');
    starts.finish('c');
    await flush();
    starts.finish('d');
    starts.finish('e');
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(starts.mostAtOnce, 2);
    assert.equal(pacer.active, 0);
    assert.equal(pacer.waiting, 0);
  });

  test('a start that fails frees its turn and its caller gets the error', async () => {
    const pacer = new StartPacer(1);
    const failing = pacer.run(() => Promise.reject(new Error('image not found')));
    const next = pacer.run(() => Promise.resolve('ran'));
    await assert.rejects(failing, /image not found/);
    assert.equal(await next, 'ran');
    assert.equal(pacer.active, 0);
  });

  test('an abort while waiting leaves the line: that start never runs, the others keep their order', async () => {
    const pacer = new StartPacer(1);
    const starts = new HeldStarts();
    const first = pacer.run(starts.start('first'));
    const controller = new AbortController();
    const removed = pacer.run(starts.start('removed'), controller.signal);
    const last = pacer.run(starts.start('last'));
    await flush();
    controller.abort(new Error('task removed'));
    await assert.rejects(removed, /task removed/);
    assert.equal(pacer.waiting, 1);

    starts.finish('first');
    await flush();
    starts.finish('last');
    assert.equal(await first, 'first');
    assert.equal(await last, 'last');
    assert.deepEqual(starts.order, ['first', 'last']);
    assert.equal(pacer.active, 0);
  });

  test('a spot taken back while waiting leaves the line; once the turn came it has no leave', async () => {
    const pacer = new StartPacer(1);
    const starts = new HeldStarts();
    const first = pacer.run(starts.start('first'));
    const spot: LineSpot = { leave: undefined };
    const removed = pacer.runFrom(spot, starts.start('removed'));
    const kept: LineSpot = { leave: undefined };
    const last = pacer.runFrom(kept, starts.start('last'));
    await flush();
    assert.equal(typeof spot.leave, 'function', 'a waiting call can be taken out of line');
    spot.leave?.(new Error('task removed'));
    await assert.rejects(removed, /task removed/);
    assert.equal(spot.leave, undefined);
    assert.equal(pacer.waiting, 1);

    starts.finish('first');
    await flush();
    assert.equal(kept.leave, undefined, 'a call whose turn came is no longer in line');
    starts.finish('last');
    assert.equal(await first, 'first');
    assert.equal(await last, 'last');
    assert.deepEqual(starts.order, ['first', 'last']);
    assert.equal(pacer.active, 0);
  });

  test('a signal already aborted rejects at once without taking a turn', async () => {
    const pacer = new StartPacer(1);
    let ran = false;
    await assert.rejects(
      pacer.run(
        async () => {
          ran = true;
        },
        AbortSignal.abort(new Error('gone')),
      ),
      /gone/,
    );
    assert.equal(ran, false);
    assert.equal(pacer.active, 0);
  });

  test('a start with a free turn begins at once, in its caller’s turn of the event loop', async () => {
    const pacer = new StartPacer(1);
    let began = 0;
    const first = pacer.run(async () => {
      began += 1;
    });
    assert.equal(began, 1, 'no wait for a turn that is free');
    const second = pacer.run(async () => {
      began += 1;
    });
    assert.equal(began, 1, 'the second waits for the first');
    await Promise.all([first, second]);
    assert.equal(began, 2);
    assert.equal(pacer.active, 0);
  });

  test('an abort after the start began is the start’s business: the turn is freed when it settles', async () => {
    const pacer = new StartPacer(1);
    const starts = new HeldStarts();
    const controller = new AbortController();
    const running = pacer.run(starts.start('a'), controller.signal);
    await flush();
    controller.abort();
    assert.equal(pacer.active, 1);
    starts.finish('a');
    assert.equal(await running, 'a');
    assert.equal(pacer.active, 0);
  });

  test('a signal every waiter shares has one abort listener however long the line, and none once the line is empty', async () => {
    const pacer = new StartPacer(1);
    const stopping = new AbortController();
    const starts = new HeldStarts();
    const first = pacer.run(starts.start('first'), stopping.signal);
    const own = Array.from({ length: 3_000 }, () => new AbortController());
    const queued = own.map((c, i) => pacer.run(starts.start(`q${i}`), c.signal, stopping.signal));
    // each outcome read at once: the rejections below are expected, not unhandled
    const outcomes = queued.map((q) => q.then(String, (err: Error) => `rejected: ${err.message}`));
    await flush();
    assert.equal(pacer.waiting, 3_000);
    assert.equal(getEventListeners(stopping.signal, 'abort').length, 1, 'one listener for the whole line');
    assert.equal(getEventListeners(own[5]!.signal, 'abort').length, 1);

    // waiters that leave the line in the middle are passed over; the rest keep their order
    for (let i = 0; i < 2_000; i++) own[i]!.abort(new Error(`removed ${i}`));
    assert.equal(await outcomes[1_999], 'rejected: removed 1999');
    assert.equal(pacer.waiting, 1_000);
    assert.equal(getEventListeners(own[5]!.signal, 'abort').length, 0, 'a waiter that left takes its listener');
    starts.finish('first');
    await flush();
    assert.deepEqual(starts.order, ['first', 'q2000']);
    starts.finish('q2000');
    await flush();
    assert.deepEqual(starts.order, ['first', 'q2000', 'q2001']);

    // the shared signal aborts: every waiter left rejects with its reason, and no listener stays
    stopping.abort(new Error('worker stopping'));
    assert.equal(await outcomes[2_500], 'rejected: worker stopping');
    assert.equal(pacer.waiting, 0);
    starts.finish('q2001');
    assert.equal(await outcomes[2_001], 'q2001');
    assert.equal(await outcomes[2_000], 'q2000');
    assert.equal(await first, 'first');
    await flush();
    assert.equal(pacer.active, 0);
    assert.equal(getEventListeners(stopping.signal, 'abort').length, 0);
    for (const o of outcomes.slice(2_002)) assert.equal(await o, 'rejected: worker stopping');
    assert.equal(starts.order.length, 3, 'no aborted waiter ever ran');
  });

  test('concurrency must be a whole number of at least 1; the default is twice the cores, at least 4', () => {
    assert.equal(new StartPacer().concurrency, DEFAULT_START_CONCURRENCY);
    assert.equal(DEFAULT_START_CONCURRENCY, Math.max(4, 2 * availableParallelism()));
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new StartPacer(bad), RangeError);
  });
});

/** A driver whose starts wait until the test lets them finish; nothing else is used here. */
class PacedDriver implements Driver {
  readonly starts = new HeldStarts();
  readonly startedTaskIds: string[] = [];

  async ping(): Promise<void> {}
  async start(task: TaskRequest, options: StartOptions): Promise<ContainerState> {
    this.startedTaskIds.push(task.id);
    await this.starts.start(task.id)();
    return container(task, options.generation);
  }
  async startAgain(): Promise<ContainerState> {
    throw new Error('not used');
  }
  async stop(): Promise<void> {}
  async remove(): Promise<void> {}
  async removeVolume(): Promise<void> {}
  processes(): Promise<never> {
    throw new Error('not used here');
  }
  statPath(): Promise<never> {
    throw new Error('not used here');
  }
  getArchive(): Promise<never> {
    throw new Error('not used here');
  }
  putArchive(): Promise<never> {
    throw new Error('not used here');
  }
  async inspect(): Promise<ContainerState | null> {
    return null;
  }
  async list(): Promise<ContainerState[]> {
    return [];
  }
  async usage(): Promise<null> {
    return null;
  }
  async logs(): Promise<AsyncIterable<ExecOutput>> {
    throw new Error('not used');
  }
  async exec(): Promise<{ exitCode: number; output: string }> {
    throw new Error('not used');
  }
  async execStream(): Promise<ExecRun> {
    throw new Error('not used');
  }
  async execDetached(): Promise<void> {
    throw new Error('not used');
  }
  async watch(_onEvent: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

function container(task: TaskRequest, generation: number): ContainerState {
  return {
    containerId: `c-${task.id}`,
    taskId: task.id,
    generation,
    running: true,
    exitCode: null,
    startedAt: new Date(0).toISOString(),
    finishedAt: null,
    oomKilled: false,
    error: '',
    ports: [],
    ipAddress: '',
    image: task.image,
    command: task.command,
    labels: {},
  };
}

async function startWorker(driver: Driver, startConcurrency?: number): Promise<Worker> {
  const worker = new Worker({
    name: 'w1',
    driver,
    store: new MemoryStore<WorkerTaskRecord>(),
    clock: new FakeClock(),
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    stopGraceSeconds: 1,
    ...(startConcurrency === undefined ? {} : { startConcurrency }),
  });
  await worker.start();
  return worker;
}

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('Worker start pacing', () => {
  test('a burst of tasks starts at most DEFAULT_START_CONCURRENCY containers at once, in the order they came, and all end Running', async () => {
    const driver = new PacedDriver();
    const worker = await startWorker(driver);
    const tasks = ids(DEFAULT_START_CONCURRENCY + 6);
    for (const id of tasks) await worker.submit(taskRequest(id), 1, 0);
    await flush();
    assert.equal(driver.starts.running, DEFAULT_START_CONCURRENCY);
    assert.equal(
      worker.list().filter((t) => t.state === 'Scheduled').length,
      tasks.length,
      'every task is accepted (Scheduled) at once; only the engine calls wait',
    );
    for (const id of tasks) {
      driver.starts.finish(id);
      await flush();
    }
    assert.equal(driver.starts.mostAtOnce, DEFAULT_START_CONCURRENCY);
    assert.deepEqual(driver.startedTaskIds, tasks);
    assert.ok(worker.list().every((t) => t.state === 'Running'));
    await worker.stop();
  });

  test('startConcurrency sets the pace', async () => {
    const driver = new PacedDriver();
    const worker = await startWorker(driver, 2);
    for (const id of ids(5)) await worker.submit(taskRequest(id), 1, 0);
    await flush();
    assert.equal(driver.starts.running, 2);
    for (const id of ids(5)) {
      driver.starts.finish(id);
      await flush();
    }
    assert.equal(driver.starts.mostAtOnce, 2);
    await worker.stop();
  });

  test('a task removed while waiting its turn never reaches the engine and ends Completed', async () => {
    const driver = new PacedDriver();
    const worker = await startWorker(driver, 1);
    const [first, second] = ids(2) as [string, string];
    await worker.submit(taskRequest(first), 1, 0);
    await worker.submit(taskRequest(second), 1, 0);
    await flush();
    const removed = await worker.remove(second);
    assert.equal(removed.state, 'Completed');
    driver.starts.finish(first);
    await flush();
    assert.deepEqual(driver.startedTaskIds, [first], 'the removed task never asked the engine for a container');
    assert.equal(worker.get(second).state, 'Completed');
    assert.equal(worker.get(first).state, 'Running');
    await worker.stop();
  });

  test('a worker that stops leaves the starts still waiting their turn Scheduled, and does not start them', async () => {
    const driver = new PacedDriver();
    const worker = await startWorker(driver, 1);
    const [first, second, third] = ids(3) as [string, string, string];
    for (const id of [first, second, third]) await worker.submit(taskRequest(id), 1, 0);
    await flush();
    const stopped = worker.stop();
    driver.starts.finish(first); // the start in flight completes; stop() waits for it
    await stopped;
    assert.deepEqual(driver.startedTaskIds, [first]);
    assert.equal(worker.get(first).state, 'Running');
    assert.equal(worker.get(second).state, 'Scheduled', 'left for the next start of the worker to launch');
    assert.equal(worker.get(third).state, 'Scheduled');
  });
});
