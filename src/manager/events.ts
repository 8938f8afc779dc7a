import type { TaskRecord } from './records.js';

/** What happened, as `GET /events` streams it and `poseidon events` prints it. */
export interface ClusterEvent {
  time: string;
  type:
    | 'task.submitted'
    | 'task.scheduled'
    | 'task.started'
    | 'task.exited'
    | 'task.unhealthy'
    | 'task.healthy'
    | 'task.restarting'
    | 'task.restarted'
    | 'task.gave-up'
    | 'task.lost'
    | 'task.stopped'
    | 'node.up'
    | 'node.down'
    | 'node.engine-down'
    | 'node.engine-up'
    | 'node.engine-lost'
    | 'node.removed'
    | 'node.drained'
    | 'node.activated'
    | 'task.moved'
    | 'service.created'
    | 'service.scaled'
    | 'service.removed'
    | 'update.started'
    | 'update.progress'
    | 'update.completed'
    | 'update.paused'
    | 'update.rolled_back';
  taskId?: string;
  taskName?: string;
  node?: string;
  state?: string;
  reason?: string;
  exitCode?: number | null;
  restarts?: number;
  delayMs?: number;
  /** Service events: the service, the version it runs, its replicas; a rollout's versions and progress. */
  service?: string;
  version?: number;
  replicas?: number;
  fromVersion?: number;
  toVersion?: number;
  updated?: number;
  total?: number;
}

export type EventListener = (e: ClusterEvent) => void;

/**
 * Fan-out of cluster events to live subscribers. A slow subscriber never slows the manager:
 * listeners are called synchronously and must only buffer (the HTTP stream writes).
 */
export class EventBus {
  readonly #listeners = new Set<EventListener>();

  /** False when nobody listens, so a publisher can skip building the event. */
  get hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  publish(e: ClusterEvent): void {
    for (const fn of this.#listeners) fn(e);
  }

  subscribe(fn: EventListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

/** A task event as GET /events shows it: the task's state and reason as `rec` has them now. */
export function taskEvent(
  type: ClusterEvent['type'],
  rec: TaskRecord,
  nodeName: string | null,
  time: string,
  extra: Partial<ClusterEvent> = {},
): ClusterEvent {
  return {
    time,
    type,
    taskId: rec.request.id,
    taskName: rec.request.name,
    ...(nodeName === null ? {} : { node: nodeName }),
    state: rec.state,
    reason: rec.reason,
    restarts: rec.restarts,
    ...extra,
  };
}
