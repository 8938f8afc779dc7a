import type { ClusterEvent } from '../api/index.js';
import type { TaskRecord } from './records.js';

export type { ClusterEvent } from '../api/index.js';

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
    ...(rec.service === undefined ? {} : { service: rec.service.service }),
    state: rec.state,
    reason: rec.reason,
    restarts: rec.restarts,
    ...extra,
  };
}
