import { getEventListeners } from 'node:events';
import type { Logger } from 'pino';
import { DriverUnreachable, type ContainerState, type Driver } from '../driver/index.js';
import { PoseidonError } from '../errors/index.js';
import { STOPPED_ON_REQUEST, TaskState } from '../task/index.js';
import type { WorkerMetrics } from './metrics.js';
import { setAddress, type WorkerTaskRecord } from './record.js';
import type { LineSpot } from './pacer.js';
import type { StartPacer } from './start-pacer.js';
import type { TaskBook } from './task-book.js';
import type { TaskFiles } from './task-files.js';

export interface ContainerStartsDeps {
  book: TaskBook;
  driver: Pick<Driver, 'start' | 'inspect' | 'remove'>;
  pacer: StartPacer;
  /** Secrets and configs a task mounts, written before its container is made. */
  files: Pick<TaskFiles, 'prepare' | 'release'>;
  log: Logger;
  metrics: WorkerMetrics;
  /** Aborted when the worker stops: a start still waiting its turn then never runs. */
  stopping: AbortSignal;
  /** Keeps a background operation where the worker's stop() waits for it. */
  track(p: Promise<unknown>): void;
  /** The engine did not answer a start: the task waits for it, Scheduled, and starts when it is back. */
  engineLost(reason: string): void;
  /** Health checks for a task that just got its container. */
  watchHealth(rec: WorkerTaskRecord, container: Pick<ContainerState, 'containerId' | 'ipAddress'>): void;
}

/** How a start goes about the containers the task may already have. */
export interface LaunchOptions {
  /** No unrecorded container of this task can exist (see StartOptions.fresh). */
  fresh: boolean;
  /** The previous generation's finished container, removed once the new one runs (its logs readable until then). */
  replaces: string | null;
}

/**
 * Controllers of starts that ended, kept for the next starts: a new AbortController costs a start
 * an EventTarget (the worker's largest allocation per task, ~1.4 kB, and ~3% of its cpu per task
 * in the submit benchmark's profile). One is kept only when nothing can act on its signal again:
 * never aborted, and no 'abort' listener left on it once the engine calls it was given settled. (A
 * signal AbortSignal.any made of it, a pull's with its timeout, follows it without a listener; its
 * pull is over by then, so aborting it later reaches no call.)
 */
export class SpareControllers {
  readonly #spare: AbortController[] = [];
  constructor(readonly max = 256) {}

  get size(): number {
    return this.#spare.length;
  }

  take(): AbortController {
    return this.#spare.pop() ?? new AbortController();
  }

  giveBack(controller: AbortController): void {
    if (this.#spare.length >= this.max || controller.signal.aborted) return;
    if (getEventListeners(controller.signal, 'abort').length > 0) return; // a call still holds it
    this.#spare.push(controller);
  }
}

/**
 * One start under way: its place in the pacer's line while it waits, and once its turn came, the
 * signal that aborts its engine calls (taken only then: most starts are never cancelled).
 */
class Start implements LineSpot {
  leave: ((reason: unknown) => void) | undefined = undefined;
  #controller: AbortController | undefined;
  #ended = false;
  cancelled = false;

  constructor(private readonly spare: SpareControllers) {}

  /** The signal of the engine calls, taken at the start's turn. */
  signal(): AbortSignal {
    this.#controller ??= this.spare.take();
    if (this.cancelled) this.#controller.abort();
    return this.#controller.signal;
  }

  cancel(): void {
    if (this.cancelled || this.#ended) return;
    this.cancelled = true;
    this.leave?.(new DOMException('the start was cancelled', 'AbortError'));
    this.#controller?.abort();
  }

  /** Its engine calls settled: the signal is no longer its own (a later cancel does nothing). */
  end(): void {
    this.#ended = true;
    if (this.#controller !== undefined) this.spare.giveBack(this.#controller);
    this.#controller = undefined;
  }
}

/**
 * Starts containers in the background, paced (StartPacer), one start per task at a time, and
 * records each as it ends: Running, or Failed with the engine's reason. A start can be cancelled
 * (the task was removed meanwhile); a container that exited before its start was recorded is
 * finished at once.
 */
export class ContainerStarts {
  readonly #starts = new Map<string, Start>();
  /** Exits seen before the start that made the container was recorded. */
  readonly #earlyExits = new Set<string>();
  readonly #spare = new SpareControllers();

  constructor(private readonly deps: Readonly<ContainerStartsDeps>) {}

  /** A start for this task is under way (or waiting its turn). */
  isStarting(taskId: string): boolean {
    return this.#starts.has(taskId);
  }

  /** Stops the task's start, if one is under way: the task was removed. */
  cancel(taskId: string): void {
    this.#starts.get(taskId)?.cancel();
  }

  /** The engine said this container exited, but no record names it yet: its start finishes it. */
  exitedEarly(containerId: string): void {
    this.#earlyExits.add(containerId);
  }

  /** Starts the record's container in the background. */
  launch(rec: WorkerTaskRecord, how: LaunchOptions = { fresh: false, replaces: null }): void {
    const start = new Start(this.#spare);
    this.#starts.set(rec.request.id, start);
    this.deps.track(
      this.#run(rec, start, how.fresh).finally(() => {
        start.end();
        // never the container the start just recorded (an engine may hand out the same id again)
        if (how.replaces !== null && how.replaces !== rec.containerId)
          this.deps.track(this.deps.driver.remove(how.replaces));
        // an earlier generation's files go with its container
        if (rec.request.files !== undefined) this.deps.track(this.deps.files.release(rec.request.id, rec.generation));
        if (this.#starts.get(rec.request.id) === start) this.#starts.delete(rec.request.id);
      }),
    );
  }

  async #run(rec: WorkerTaskRecord, start: Start, fresh: boolean): Promise<void> {
    const { book, driver, log } = this.deps;
    const id = rec.request.id;
    const began = performance.now();
    let container: ContainerState;
    // paced: a burst of tasks must not ask the engine for every container at once. A start still
    // waiting its turn when the worker stops stays Scheduled; the next start's resync launches it.
    const { stopping } = this.deps;
    try {
      container = await this.deps.pacer.runFrom(
        start,
        // a task without secrets or configs goes straight to the engine: no step of its own
        rec.request.files === undefined
          ? () => driver.start(rec.request, { generation: rec.generation, signal: start.signal(), fresh })
          : async () => {
              const signal = start.signal();
              const files = await this.deps.files.prepare(rec.request, rec.generation);
              return driver.start(rec.request, { generation: rec.generation, signal, fresh, files });
            },
        stopping,
      );
    } catch (err) {
      // the worker stopped before its turn came
      if (stopping.aborted && err === stopping.reason && !start.cancelled) return;
      if (err instanceof DriverUnreachable && !start.cancelled) {
        // the node's problem, not the task's: it stays Scheduled and starts once the engine is back
        this.deps.engineLost(err.message);
        log.info({ taskId: id }, 'task waits for the container engine');
        return;
      }
      // an abort is remove() stopping this start, while it waited its turn or mid-call: expected
      if (!(err instanceof PoseidonError) && !start.cancelled)
        log.error({ err, taskId: id }, 'container start failed unexpectedly');
      const reason = err instanceof PoseidonError ? err.message : `container could not be started: ${String(err)}`;
      await book.lock.run(id, async () => {
        if (book.get(id) !== rec || rec.state !== TaskState.Scheduled) return;
        if (rec.stopRequested) book.move(rec, TaskState.Completed, STOPPED_ON_REQUEST);
        else {
          book.move(rec, TaskState.Failed, reason);
          // the code says what the reason's words do to a program: a CLI's wait ends on a missing image
          if (err instanceof PoseidonError) rec.errorCode = err.code;
        }
        rec.finishedAt = book.nowIso();
        await book.persist(rec);
        book.emit(rec);
      });
      this.deps.metrics.starts.inc({ result: 'failed' });
      log.warn({ taskId: id, reason }, 'task failed to start');
      return;
    }
    await book.lock.run(id, async () => {
      if (book.get(id) !== rec || rec.stopRequested || rec.state !== TaskState.Scheduled) {
        // stopped or replaced while starting: this container is not wanted
        if (book.get(id)?.containerId !== container.containerId) await driver.remove(container.containerId);
        return;
      }
      rec.containerId = container.containerId;
      rec.ports = container.ports;
      setAddress(rec, container.ipAddress);
      rec.startedAt = container.startedAt;
      book.move(rec, TaskState.Running, container.pullFailed ?? 'running');
      if (!container.running || this.#earlyExits.delete(container.containerId)) {
        book.finish(rec, (await driver.inspect(container.containerId)) ?? container);
      }
      this.deps.watchHealth(rec, container);
      await book.persist(rec);
      book.emit(rec);
    });
    this.deps.metrics.starts.inc({ result: 'started' });
    this.deps.metrics.startSeconds.observe((performance.now() - began) / 1000);
    log.info(
      { taskId: id, containerId: container.containerId, durationMs: Math.round(performance.now() - began) },
      'task started',
    );
  }
}
