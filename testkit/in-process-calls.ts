import type { BatchStart, BatchStartResult, WorkerTaskView } from '../src/api/index.js';
import { ServerUnreachable, type StartTaskOptions } from '../src/client/index.js';
import { PoseidonError, RemoteError } from '../src/errors/index.js';
import type { WorkerCalls } from '../src/manager/index.js';
import { parseSubmission } from '../src/task/index.js';
import type { FakeWorker } from './fake-worker.js';

/** What POST /tasks waits for the container when the caller names no wait (the route's default). */
const DEFAULT_START_WAIT_MS = 5_000;

/**
 * The manager's WorkerCalls handed straight to a FakeWorker's real Worker, without HTTP but as
 * if across it: bodies and answers go through JSON, a task is parsed as the route parses it, an
 * error comes back as the client would rebuild it (RemoteError with the worker's code and
 * status; 500 `internal` for anything else), and a worker that cannot be reached fails with
 * ServerUnreachable without seeing the call. Every call is recorded as it is made.
 */
export class InProcessWorkerCalls {
  /** Each task the manager asked to start, alone or in a batch, with the generation it sent. */
  readonly starts: Array<{ taskId: string; generation: number | undefined }> = [];
  /** Task ids of the stop calls. */
  readonly stops: string[] = [];
  /** Task ids of each batch call. */
  readonly batches: string[][] = [];
  /** The worker cannot be reached: calls fail as a refused connection does. */
  unreachable = false;

  constructor(
    readonly fake: FakeWorker,
    readonly url: string,
  ) {}

  /** The manager's client for this worker: with the batch route, or (an older worker) without it. */
  client(batch: boolean): WorkerCalls {
    const calls: WorkerCalls = {
      startTask: (b, o) => this.startTask(b, o),
      stopTask: (id, o) => this.stopTask(id, o),
      forgetTask: (id) => this.forgetTask(id),
    };
    return batch ? { ...calls, startTasks: (t, o) => this.startTasks(t, o) } : calls;
  }

  async startTask(body: unknown, opts: StartTaskOptions = {}): Promise<WorkerTaskView> {
    this.starts.push({ taskId: idOf(body), generation: opts.generation });
    this.#reach();
    await this.fake.start();
    return overTheWire(async () => {
      const request = parseSubmission(throughJson(body), this.fake.limits);
      return (await this.fake.worker.submit(request, opts.generation ?? 0, waitOf(opts.waitMs))).task;
    });
  }

  async startTasks(tasks: readonly BatchStart[], opts: { waitMs?: number } = {}): Promise<BatchStartResult[]> {
    this.batches.push(tasks.map((t) => idOf(t.spec)));
    for (const t of tasks) this.starts.push({ taskId: idOf(t.spec), generation: t.generation });
    this.#reach();
    await this.fake.start();
    return overTheWire(() =>
      Promise.all(
        tasks.map(async ({ spec, generation }): Promise<BatchStartResult> => {
          try {
            const request = parseSubmission(throughJson(spec), this.fake.limits);
            return { task: (await this.fake.worker.submit(request, generation, waitOf(opts.waitMs))).task };
          } catch (err) {
            if (!(err instanceof PoseidonError)) throw err; // the whole request fails, as the route's would
            return { error: { code: err.code, status: err.status, message: err.message } };
          }
        }),
      ),
    );
  }

  async forgetTask(id: string): Promise<void> {
    this.#reach();
    await this.fake.start();
    await overTheWire(() => this.fake.worker.forget(id));
  }

  async stopTask(id: string, opts: { generation?: number } = {}): Promise<WorkerTaskView> {
    this.stops.push(id);
    this.#reach();
    await this.fake.start();
    return overTheWire(() => this.fake.worker.remove(id, opts.generation));
  }

  startsOf(taskId: string): Array<number | undefined> {
    return this.starts.filter((s) => s.taskId === taskId).map((s) => s.generation);
  }

  #reach(): void {
    if (this.unreachable)
      throw new ServerUnreachable(this.url, `worker at ${this.url}: is \`poseidon worker\` running?`);
  }
}

/** Runs a call as the route would answer it and the client would read the answer. */
async function overTheWire<T>(call: () => Promise<T>): Promise<T> {
  try {
    return throughJson(await call());
  } catch (err) {
    if (err instanceof PoseidonError) throw new RemoteError(err.code, err.status, err.message, err.retryAfterMs);
    throw new RemoteError('internal', 500, 'internal error; see the server log');
  }
}

/** What a value is after JSON.stringify and JSON.parse: no shared objects, no undefined fields. */
function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function waitOf(waitMs: number | undefined): number {
  return waitMs ?? DEFAULT_START_WAIT_MS;
}

function idOf(spec: unknown): string {
  const id = (spec as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : '';
}
