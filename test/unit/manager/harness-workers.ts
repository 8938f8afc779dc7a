import type { TaskReport } from '../../../src/api/index.js';
import type { Clock } from '../../../src/clock/index.js';
import type { Manager } from '../../../src/manager/manager.js';
import type { WorkerCalls } from '../../../src/manager/dispatcher.js';
import { FakeDriver, type FakeHost } from '../../../testkit/fake-driver.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { InProcessWorkerCalls } from '../../../testkit/in-process-calls.js';

/** How a worker answers stopTask: as it does, with a failure (the engine answered 500), or only when released. */
export type StopMode = 'complete' | 'fail' | 'hold';
/** How a worker answers startTask: as it does, or not at all (it cannot be reached). */
export type StartMode = 'run' | 'unreachable';

/**
 * One worker as the manager's tests see it: the testkit's fake worker (the real Worker over the
 * fake driver), called in process, every call the manager makes recorded. The modes script what
 * the manager meets: a stop the engine fails or holds, a worker that cannot be reached.
 */
export class WorkerAt {
  #stopMode: StopMode = 'complete';

  constructor(
    readonly fake: FakeWorker,
    readonly calls: InProcessWorkerCalls,
  ) {}

  get starts(): InProcessWorkerCalls['starts'] {
    return this.calls.starts;
  }

  get stops(): string[] {
    return this.calls.stops;
  }

  get batches(): string[][] {
    return this.calls.batches;
  }

  startsOf(taskId: string): Array<number | undefined> {
    return this.calls.startsOf(taskId);
  }

  /** What this worker would list in a heartbeat or registration: its active tasks. */
  activeReports(): TaskReport[] {
    return this.fake.activeReports();
  }

  get stopMode(): StopMode {
    return this.#stopMode;
  }

  set stopMode(mode: StopMode) {
    const driver = this.fake.driver;
    driver.heal('stop');
    driver.unhold('stop');
    if (mode === 'fail') driver.fail('stop');
    if (mode === 'hold') driver.hold('stop');
    this.#stopMode = mode;
  }

  get startMode(): StartMode {
    return this.calls.unreachable ? 'unreachable' : 'run';
  }

  set startMode(mode: StartMode) {
    this.calls.unreachable = mode === 'unreachable';
  }

  /** Lets every held stop go on. */
  releaseStops(): void {
    this.fake.driver.release('stop');
  }
}

/**
 * The manager's `workerClient(url)`: one worker per URL, made on first use, named after the
 * URL's host; with `batch`, the clients have startTasks. Each worker reports its changes to the
 * manager as the node registered with its URL.
 */
export class FakeWorkers {
  readonly #byUrl = new Map<string, WorkerAt>();
  #manager: Manager | undefined;

  constructor(
    private readonly clock: Clock,
    /** With `host`, every worker runs on that one machine (processes of one host): its host ports are theirs. */
    private readonly opts: { batch?: boolean; host?: FakeHost } = {},
  ) {}

  readonly client = (url: string): WorkerCalls => this.at(url).calls.client(this.opts.batch === true);

  /** The manager the workers report to. */
  reportTo(manager: Manager): void {
    this.#manager = manager;
  }

  at(url: string): WorkerAt {
    let w = this.#byUrl.get(url);
    if (w === undefined) {
      const name = new URL(url).hostname.split('.')[0] ?? url;
      const { host } = this.opts;
      const fake = new FakeWorker({
        name,
        clock: this.clock,
        ...(host === undefined ? {} : { driver: new FakeDriver({ workerName: name, clock: this.clock, host }) }),
      });
      fake.reportTo({ report: async (nodeId, reports) => this.#manager?.report(nodeId, reports) }, () =>
        this.#nodeAt(url),
      );
      w = new WorkerAt(fake, new InProcessWorkerCalls(fake, url));
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

  /**
   * Stops every worker at a test's end. A call the test held is let go first: after a failed
   * assertion, a held stop would keep the worker's stop, and so the file, waiting for ever (node's
   * runner then cancels the file's remaining tests).
   */
  async stop(): Promise<void> {
    for (const w of this.#byUrl.values()) w.fake.driver.unholdAll();
    await Promise.all([...this.#byUrl.values()].map((w) => w.fake.stop()));
  }

  /** The node the manager knows at this URL (an Up one first). */
  #nodeAt(url: string): string | undefined {
    const nodes = this.#manager?.listNodes().filter((n) => n.url === url) ?? [];
    return (nodes.find((n) => n.state === 'Up') ?? nodes[0])?.id;
  }
}
