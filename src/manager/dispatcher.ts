import type { Logger } from 'pino';
import { SERVICE_LABEL, toReport, type TaskReport, type WorkerTaskView } from '../api/index.js';
import { ServerNotTrusted } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import { isNotFound, isPermanent, PoseidonError } from '../errors/index.js';
import { MAX_LABELS, toSpec, type TaskSpec } from '../task/index.js';
import type { ManagerMetrics } from './metrics.js';
import { DISPATCH_RETRY_MS } from './reconcile.js';
import { certIdToCall, type NodeEntry, type TaskRecord } from './records.js';
import { StartBatches, type DispatchItem, type WorkerCalls } from './start-batches.js';

export type { WorkerCalls, DispatchItem } from './start-batches.js';

/** A stop the worker did not answer is tried again after this long. */
const STOP_RETRY_MS = 1_000;
/** A worker that does not say its stop grace (older ones) has the default `--stop-grace`. */
const ASSUMED_STOP_GRACE_S = 10;
/** What a stop call may take past the worker's stop grace: the kill, the remove, a busy engine. */
export const STOP_CALL_MARGIN_MS = 15_000;

/**
 * How long a stop call to the node waits: the worker answers once the container is gone, which
 * for a container that ignores SIGTERM (a shell or `sleep` as PID 1) is its whole stop grace.
 */
export function stopCallTimeoutMs(
  node: Pick<NodeEntry['record'], 'stopGraceSeconds'>,
  taskGraceMs: number | undefined = undefined,
): number {
  // a task's own grace is whole seconds to the engine (a part of one is waited in full)
  const graceMs =
    taskGraceMs === undefined
      ? (node.stopGraceSeconds ?? ASSUMED_STOP_GRACE_S) * 1_000
      : Math.ceil(taskGraceMs / 1_000) * 1_000;
  return graceMs + STOP_CALL_MARGIN_MS;
}

/** What the dispatcher's calls came to; the manager's other parts act on each. */
export interface DispatchOutcomes {
  /** A worker answered with tasks as it runs them: reports from that node. */
  reported(nodeId: string, reports: TaskReport[]): Promise<void>;
  /** The worker refused the task itself (retrying elsewhere would fail the same way). */
  refused(nodeId: string, taskId: string, generation: number, reason: string): Promise<void>;
  /** A stop reached a worker that no longer has the task: it is gone there. */
  gone(taskId: string): Promise<void>;
  /** Look at the task again at `atMs` (a dispatch or stop to retry). */
  retryAt(taskId: string, atMs: number): void;
}

/**
 * Calls to workers and their failures: starts (through StartBatches, one batch per worker in
 * flight), stops of a task the user stopped, and stops of copies a node no longer owns. Keeps
 * when each task was last dispatched and which stops are in flight, which reconcile reads.
 */
export class Dispatcher {
  readonly #dispatchedAt = new Map<string, number>();
  readonly #stopping = new Set<string>();
  readonly #batches: StartBatches;

  constructor(
    private readonly deps: {
      nodes: ReadonlyMap<string, NodeEntry>;
      /** The client for the worker at `url` whose certificate names `certNodeId` (undefined: any worker's). */
      workerClient(url: string, certNodeId: string | undefined): WorkerCalls;
      clock: Clock;
      log: Logger;
      metrics: Pick<ManagerMetrics, 'dispatchSeconds'>;
      outcomes: DispatchOutcomes;
      /** Keeps a background call where stop() waits for it. */
      track(p: Promise<unknown>): void;
      /** The task's own stop grace (its stopGracePeriod), when it has one: a stop call waits that long more. */
      stopGraceMs?(taskId: string): number | undefined;
    },
  ) {
    this.#batches = new StartBatches({
      workerClient: deps.workerClient,
      clock: deps.clock,
      log: deps.log,
      metrics: deps.metrics,
      started: (nodeId, views) => deps.outcomes.reported(nodeId, views.map(toReport)),
      failed: (nodeId, item, err) => this.#startFailed(nodeId, item, err),
      track: deps.track,
    });
  }

  /** When each Scheduled task was last dispatched (epoch ms). */
  get dispatchedAt(): ReadonlyMap<string, number> {
    return this.#dispatchedAt;
  }

  /** Tasks with a stop call in flight. */
  get stopping(): ReadonlySet<string> {
    return this.#stopping;
  }

  /** Sends each task to the node of its placement, under its generation; one request per worker. */
  dispatch(recs: Iterable<TaskRecord>): void {
    const byNode = new Map<string, DispatchItem[]>();
    const now = this.deps.clock.now();
    for (const rec of recs) {
      if (rec.nodeId === null || !this.deps.nodes.has(rec.nodeId)) continue;
      this.#dispatchedAt.set(rec.request.id, now);
      let items = byNode.get(rec.nodeId);
      if (items === undefined) byNode.set(rec.nodeId, (items = []));
      items.push({ taskId: rec.request.id, generation: rec.generation, spec: specToSend(rec) });
    }
    for (const [nodeId, items] of byNode) {
      const node = this.deps.nodes.get(nodeId);
      if (node !== undefined) this.#batches.send(nodeId, node.record.url, certIdToCall(node.record), items);
    }
  }

  /** Whether the task has been sent to its node and not confirmed yet. */
  isDispatched(taskId: string): boolean {
    return this.#dispatchedAt.has(taskId);
  }

  /** The task's worker confirmed it (or it ended, or left its node): nothing to retry. */
  settled(taskId: string): void {
    this.#dispatchedAt.delete(taskId);
  }

  /** The worker at `url` joined again (perhaps upgraded): try batches with it again. */
  rejoined(url: string): void {
    this.#batches.forget(url);
  }

  /** The manager is stopping: start batches waiting for their gap go now (StartBatches.close). */
  close(): void {
    this.#batches.close();
  }

  /** Asks the node to stop the task the user stopped. */
  stop(taskId: string, nodeId: string): void {
    const node = this.deps.nodes.get(nodeId);
    if (node === undefined) return;
    this.#stopping.add(taskId);
    this.deps.track(
      this.deps
        .workerClient(node.record.url, certIdToCall(node.record))
        .stopTask(taskId, { timeoutMs: stopCallTimeoutMs(node.record, this.deps.stopGraceMs?.(taskId)) })
        .then(
          (view: WorkerTaskView) => this.deps.outcomes.reported(nodeId, [toReport(view)]),
          async (err: unknown) => {
            if (isNotFound(err, 'task')) return this.deps.outcomes.gone(taskId);
            this.deps.log.warn({ taskId, nodeId }, 'stop failed; will retry');
            this.deps.outcomes.retryAt(taskId, this.deps.clock.now() + STOP_RETRY_MS);
          },
        )
        .finally(() => this.#stopping.delete(taskId)),
    );
  }

  /**
   * Tells each node to forget the ended tasks the manager forgot, in the background; a node that
   * is gone, does not answer or predates the call keeps its records (a later restart drops nothing
   * it needs).
   */
  forget(tasks: ReadonlyArray<{ taskId: string; nodeId: string }>): void {
    for (const { taskId, nodeId } of tasks) {
      const node = this.deps.nodes.get(nodeId);
      const client =
        node === undefined ? undefined : this.deps.workerClient(node.record.url, certIdToCall(node.record));
      if (client?.forgetTask === undefined) continue;
      this.deps.track(
        client
          .forgetTask(taskId)
          .catch((err: unknown) => this.deps.log.debug({ err, taskId, nodeId }, 'node did not forget an ended task')),
      );
    }
  }

  /** Stops the copy of generation `generation` (or older) on a node; a newer placement there is left alone. */
  stopCopy(nodeId: string, taskId: string, generation: number, why: string): void {
    const node = this.deps.nodes.get(nodeId);
    if (node === undefined) return;
    this.deps.log.warn({ taskId, nodeId, generation, why }, 'stopping a copy the node no longer owns');
    const timeoutMs = stopCallTimeoutMs(node.record, this.deps.stopGraceMs?.(taskId));
    const client = this.deps.workerClient(node.record.url, certIdToCall(node.record));
    this.deps.track(client.stopTask(taskId, { generation, timeoutMs }));
  }

  async #startFailed(nodeId: string, item: DispatchItem, err: unknown): Promise<void> {
    if (isPermanent(err)) {
      await this.deps.outcomes.refused(nodeId, item.taskId, item.generation, err.message);
      return;
    }
    // unreachable or busy: dispatched again (idempotent) once the retry delay is over, unless
    // the node is declared down first
    const code = err instanceof PoseidonError ? err.code : undefined;
    // another node's certificate at the node's URL is no outage: said as it is, on every try
    if (err instanceof ServerNotTrusted) this.deps.log.error({ taskId: item.taskId, nodeId }, err.message);
    else this.deps.log.warn({ taskId: item.taskId, nodeId, code }, 'dispatch failed; will retry');
    const since = this.#dispatchedAt.get(item.taskId) ?? this.deps.clock.now();
    this.deps.outcomes.retryAt(item.taskId, since + DISPATCH_RETRY_MS);
  }
}

/**
 * The task's spec as its worker gets it: a service replica also carries SERVICE_LABEL, which its
 * worker's tunnel asks for (a proxy on another host reaches replicas only).
 */
export function specToSend(rec: Pick<TaskRecord, 'request' | 'service'>): TaskSpec {
  const spec = toSpec(rec.request);
  const service = rec.service?.service;
  // a template with as many labels as a task may have goes without it (the worker would refuse
  // the task): its replicas are then reached from their own host only
  const count = Object.keys(spec.labels ?? {}).length;
  if (service !== undefined && count < MAX_LABELS) spec.labels = { ...spec.labels, [SERVICE_LABEL]: service };
  return spec;
}
