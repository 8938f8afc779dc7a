import {
  toReport,
  type BatchStart,
  type BatchStartResult,
  type TaskReport,
  type WorkerTaskView,
} from '../../../src/api/index.js';
import { ServerUnreachable, type StartTaskOptions } from '../../../src/client/index.js';
import type { Clock } from '../../../src/clock/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import type { WorkerCalls } from '../../../src/manager/dispatcher.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';

/** How a fake worker answers stopTask: at once, with a 500, or only when released. */
export type StopMode = 'complete' | 'fail' | 'hold';
/** How a fake worker answers startTask: Running at once, or not at all (unreachable). */
export type StartMode = 'run' | 'unreachable';

/**
 * Stands in for one worker's API: records every call, starts a task by answering Running with the
 * generation it was sent, and stops it by answering Completed. It keeps the last view of each
 * task, so a test can send the manager what this worker would report.
 */
export class FakeWorker {
  readonly starts: Array<{ taskId: string; generation: number | undefined }> = [];
  readonly stops: string[] = [];
  stopMode: StopMode = 'complete';
  startMode: StartMode = 'run';
  /** Task ids of each POST /tasks/batch (the fake has the route only when FakeWorkers was made with batch). */
  readonly batches: string[][] = [];
  readonly #views = new Map<string, WorkerTaskView>();
  readonly #held: Array<() => void> = [];

  constructor(
    readonly url: string,
    private readonly clock: Clock,
  ) {}

  async startTask(body: unknown, opts: StartTaskOptions = {}): Promise<WorkerTaskView> {
    if (typeof body !== 'object' || body === null || !('id' in body) || typeof body.id !== 'string')
      throw new Error('startTask: spec without an id');
    const name = 'name' in body && typeof body.name === 'string' ? body.name : body.id;
    const generation = opts.generation ?? 0;
    this.starts.push({ taskId: body.id, generation: opts.generation });
    if (this.startMode === 'unreachable') throw new ServerUnreachable(this.url, `worker at ${this.url}`);
    const at = new Date(this.clock.now()).toISOString();
    const view = workerTaskView(body.id, {
      name,
      generation,
      containerId: `ctr-${body.id.slice(0, 8)}-g${generation}`,
      startedAt: at,
      updatedAt: at,
    });
    this.#views.set(body.id, view);
    return structuredClone(view);
  }

  /** POST /tasks/batch: each task as startTask would answer it, recorded in `starts` too. */
  async startBatch(tasks: readonly BatchStart[]): Promise<BatchStartResult[]> {
    this.batches.push(tasks.map((t) => (t.spec as { id: string }).id));
    const results: BatchStartResult[] = [];
    for (const t of tasks) results.push({ task: await this.startTask(t.spec, { generation: t.generation }) });
    return results;
  }

  async stopTask(id: string): Promise<WorkerTaskView> {
    this.stops.push(id);
    if (this.stopMode === 'fail') throw new RemoteError('internal', 500, `worker at ${this.url}: stop failed`);
    if (this.stopMode === 'hold') await new Promise<void>((resolve) => this.#held.push(resolve));
    const known = this.#views.get(id);
    if (known === undefined) throw new RemoteError('task_not_found', 404, `no task ${id}`);
    const at = new Date(this.clock.now()).toISOString();
    const view: WorkerTaskView = {
      ...known,
      state: 'Completed',
      exitCode: 0,
      reason: 'stopped',
      finishedAt: at,
      updatedAt: at,
    };
    this.#views.set(id, view);
    return structuredClone(view);
  }

  /** Answers every held stopTask call. */
  releaseStops(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }

  /** What this worker would list in a heartbeat or registration: its active tasks. */
  activeReports(): TaskReport[] {
    return [...this.#views.values()].filter((v) => v.state === 'Scheduled' || v.state === 'Running').map(toReport);
  }

  startsOf(taskId: string): Array<number | undefined> {
    return this.starts.filter((s) => s.taskId === taskId).map((s) => s.generation);
  }
}

/** The manager's `workerClient(url)`: one FakeWorker per URL, made on first use; with `batch`, the clients have startTasks. */
export class FakeWorkers {
  readonly #byUrl = new Map<string, FakeWorker>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: { batch?: boolean } = {},
  ) {}

  readonly client = (url: string): WorkerCalls => {
    const w = this.at(url);
    if (this.opts.batch !== true) return w;
    return {
      startTask: (b, o) => w.startTask(b, o),
      stopTask: (id) => w.stopTask(id),
      startTasks: (tasks) => w.startBatch(tasks),
    };
  };

  at(url: string): FakeWorker {
    let w = this.#byUrl.get(url);
    if (w === undefined) {
      w = new FakeWorker(url, this.clock);
      this.#byUrl.set(url, w);
    }
    return w;
  }

  totalStarts(): number {
    let n = 0;
    for (const w of this.#byUrl.values()) n += w.starts.length;
    return n;
  }

  totalStops(): number {
    let n = 0;
    for (const w of this.#byUrl.values()) n += w.stops.length;
    return n;
  }
}
