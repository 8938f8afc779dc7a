import type { Logger } from 'pino';
import { MAX_BATCH_START, type BatchStart, type BatchStartResult, type WorkerTaskView } from '../api/index.js';
import { type StartTaskOptions } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import { isNotFound, isPermanent, RemoteError } from '../errors/index.js';
import type { TaskSpec } from '../task/index.js';
import type { ManagerMetrics } from './metrics.js';

/** The Worker API calls the manager makes; WorkerClient has them all. */
export interface WorkerCalls {
  startTask(body: unknown, opts?: StartTaskOptions): Promise<WorkerTaskView>;
  stopTask(id: string, opts?: { generation?: number; timeoutMs?: number }): Promise<WorkerTaskView>;
  /**
   * Several starts in one request (`POST /tasks/batch`), one answer per task in order.
   * Optional: without it, or once a worker has answered 404 (it predates the route), each task
   * goes in its own startTask.
   */
  startTasks?(tasks: readonly BatchStart[], opts?: { waitMs?: number }): Promise<BatchStartResult[]>;
  /** Forgets an ended task the manager forgot (`POST /tasks/{id}/forget`); optional, as for older workers. */
  forgetTask?(id: string): Promise<void>;
}

/** A task to start on a worker, under the generation of its placement (fencing). */
export interface DispatchItem {
  taskId: string;
  generation: number;
  spec: TaskSpec;
}

export interface StartBatchesDeps {
  /** The client for the worker at `url` whose certificate names `certNodeId` (undefined: any worker's). */
  workerClient(url: string, certNodeId: string | undefined): WorkerCalls;
  clock: Clock;
  log: Logger;
  metrics: Pick<ManagerMetrics, 'dispatchSeconds'>;
  /** The worker's answers: views of the tasks it started (or already had), as reports from that node. */
  started(nodeId: string, views: WorkerTaskView[]): Promise<void>;
  /** One task could not be started: refused by the worker (isPermanent) or not answered. */
  failed(nodeId: string, item: DispatchItem, err: unknown): Promise<void>;
  /** Keeps a background call where stop() waits for it. */
  track(p: Promise<unknown>): void;
}

/** Most tasks in one `POST /tasks/batch` (the worker's limit). */
export const MAX_BATCH = MAX_BATCH_START;

/**
 * Successive batches to one worker begin at least this far apart. Under a steady stream of
 * placements, what is placed meanwhile goes in fewer, larger requests: each request costs the
 * manager and the worker far more cpu than the tasks in it (at 20 workers and 4,000 tasks/s, 0.1
 * batch a task instead of 0.43). A worker sent nothing for this long gets its next task at once,
 * so a lone start waits for nothing. swarmkit batches assignments for 100 ms, Nomad's client its
 * allocation updates for 200 ms.
 */
export const BATCH_GAP_MS = 50;

/**
 * One worker's dispatches: at most one batch in flight, BATCH_GAP_MS between the starts of two;
 * what comes meanwhile waits for the next. The lane stays until a gap passes with nothing sent.
 */
interface Lane {
  nodeId: string;
  url: string;
  /** The node id the worker's certificate must name (undefined: any worker's). */
  certNodeId: string | undefined;
  queue: DispatchItem[];
  busy: boolean;
  /** When the last batch went (clock ms). */
  sentAtMs: number;
  /** Cancels the timer for the end of the gap, while one is set. */
  cancelWait: (() => void) | undefined;
}

/**
 * Sends placed tasks to their workers. Each worker has one batch (`POST /tasks/batch`) in flight
 * at a time, and the tasks placed while it is out go together in the next: a quiet manager sends
 * each task at once, a busy one sends fewer, larger requests, as LMDB's group commit does with
 * writes. An HTTP call costs the manager far more than a task's few hundred bytes in it, so this
 * keeps the cost per task falling as the rate rises. A worker that answers the batch route with
 * 404 predates it: it gets one `POST /tasks` per task, all at once, until it registers again.
 */
export class StartBatches {
  /** URLs of workers without `POST /tasks/batch`. */
  readonly #singleOnly = new Set<string>();
  readonly #lanes = new Map<string, Lane>();
  /** The manager is stopping: no gap is kept, so nothing is left waiting behind its drain. */
  #closing = false;

  constructor(private readonly deps: Readonly<StartBatchesDeps>) {}

  /**
   * Sends `items` to node `nodeId` at `url`, whose certificate must name `certNodeId`. A lane is
   * one node's at one URL: two nodes that registered one URL (one came back after the other left
   * it) never share one, and each is called as itself.
   */
  send(nodeId: string, url: string, certNodeId: string | undefined, items: readonly DispatchItem[]): void {
    const client = this.deps.workerClient(url, certNodeId);
    if (client.startTasks === undefined || this.#singleOnly.has(url)) {
      for (const item of items) this.#one(nodeId, client, item);
      return;
    }
    const key = `${nodeId} ${url}`;
    let lane = this.#lanes.get(key);
    if (lane === undefined)
      this.#lanes.set(
        key,
        (lane = { nodeId, url, certNodeId, queue: [], busy: false, sentAtMs: -Infinity, cancelWait: undefined }),
      );
    lane.queue.push(...items);
    this.#flush(key, lane, client);
  }

  /** The worker at `url` joined again (perhaps upgraded): try batches with it again. */
  forget(url: string): void {
    this.#singleOnly.delete(url);
  }

  /**
   * The manager is stopping: what waits for the end of a gap goes now, and later batches go as
   * soon as the one before is answered, so the manager's drain waits for every one of them.
   */
  close(): void {
    this.#closing = true;
    for (const [key, lane] of this.#lanes) {
      if (lane.cancelWait === undefined) continue;
      lane.cancelWait();
      lane.cancelWait = undefined;
      this.#flush(key, lane, this.deps.workerClient(lane.url, lane.certNodeId));
    }
  }

  #flush(key: string, lane: Lane, client: WorkerCalls): void {
    const url = lane.url;
    if (lane.busy || lane.cancelWait !== undefined) return; // the answer, or the gap's end, flushes again
    const waitMs = this.#closing ? 0 : lane.sentAtMs + BATCH_GAP_MS - this.deps.clock.now();
    if (waitMs > 0) {
      lane.cancelWait = this.deps.clock.setTimer(waitMs, () => {
        lane.cancelWait = undefined;
        this.#flush(key, lane, client);
      });
      return;
    }
    const items = lane.queue.splice(0, MAX_BATCH);
    if (items.length === 0) {
      this.#lanes.delete(key);
      return;
    }
    if (client.startTasks === undefined || this.#singleOnly.has(url)) {
      for (const item of items) this.#one(lane.nodeId, client, item);
      this.#flush(key, lane, client);
      return;
    }
    lane.busy = true;
    lane.sentAtMs = this.deps.clock.now();
    this.deps.track(
      this.#batch(lane.nodeId, url, client, client.startTasks.bind(client), items).finally(() => {
        lane.busy = false;
        this.#flush(key, lane, client);
      }),
    );
  }

  #one(nodeId: string, client: WorkerCalls, item: DispatchItem): void {
    const began = performance.now();
    this.deps.track(
      client.startTask(item.spec, { generation: item.generation, waitMs: 0 }).then(
        async (view) => {
          this.#observe('ok', began);
          await this.deps.started(nodeId, [view]);
        },
        async (err: unknown) => {
          this.#observe('error', began);
          await this.deps.failed(nodeId, item, err);
        },
      ),
    );
  }

  async #batch(
    nodeId: string,
    url: string,
    client: WorkerCalls,
    startTasks: NonNullable<WorkerCalls['startTasks']>,
    items: readonly DispatchItem[],
  ): Promise<void> {
    const began = performance.now();
    let results: BatchStartResult[];
    try {
      results = await startTasks(
        items.map((i) => ({ spec: i.spec, generation: i.generation })),
        { waitMs: 0 },
      );
    } catch (err) {
      this.#observe('error', began);
      if (isPermanent(err)) {
        // nothing was started: a worker from before the batch route (404), or one that refused
        // the whole batch; one request per task gets each task its own answer
        if (isNotFound(err, 'route')) {
          this.#singleOnly.add(url);
          this.deps.log.info({ url }, 'worker has no batch start; dispatching one task per request');
        }
        for (const item of items) this.#one(nodeId, client, item);
        return;
      }
      await Promise.all(items.map((item) => this.deps.failed(nodeId, item, err)));
      return;
    }
    this.#observe('ok', began);
    const views: WorkerTaskView[] = [];
    const refused: Array<Promise<void>> = [];
    items.forEach((item, i) => {
      const r = results[i];
      if (r === undefined)
        refused.push(
          this.deps.failed(
            nodeId,
            item,
            new RemoteError(
              'bad_answer',
              502,
              `worker at ${url} answered ${results.length} results for ${items.length} tasks`,
            ),
          ),
        );
      else if ('task' in r) views.push(r.task);
      else refused.push(this.deps.failed(nodeId, item, new RemoteError(r.error.code, r.error.status, r.error.message)));
    });
    await Promise.all([this.deps.started(nodeId, views), ...refused]);
  }

  #observe(result: 'ok' | 'error', began: number): void {
    this.deps.metrics.dispatchSeconds.observe({ result }, (performance.now() - began) / 1000);
  }
}
