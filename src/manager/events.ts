import type { ClusterEvent } from '../api/index.js';
import type { TaskRecord } from './records.js';

export type { ClusterEvent } from '../api/index.js';

export type EventListener = (e: ClusterEvent) => void;

/**
 * Events kept for `GET /events?since=`, in memory: the last ones, the oldest dropped first. At
 * about 300 bytes an event, some 3 MB; an hour of a busy cluster, as `docker events` keeps its
 * last 256 and Kubernetes its events for an hour.
 */
export const EVENT_HISTORY = 10_000;

/**
 * Fan-out of cluster events to live subscribers, and the last `limit` events for those who ask
 * from a time past. A slow subscriber never slows the manager: listeners are called
 * synchronously and must only buffer (the HTTP stream writes).
 */
export class EventBus {
  readonly #listeners = new Set<EventListener>();
  /** A ring: once full, `#oldest` is where the next event goes. */
  readonly #kept: ClusterEvent[] = [];
  #oldest = 0;

  constructor(private readonly limit = EVENT_HISTORY) {}

  publish(e: ClusterEvent): void {
    if (this.#kept.length < this.limit) this.#kept.push(e);
    else {
      this.#kept[this.#oldest] = e;
      this.#oldest = (this.#oldest + 1) % this.limit;
    }
    for (const fn of this.#listeners) fn(e);
  }

  subscribe(fn: EventListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The kept events at or after `sinceMs` and before `untilMs`, in the order they happened. */
  past(sinceMs: number, untilMs = Infinity): ClusterEvent[] {
    const n = this.#kept.length;
    const out: ClusterEvent[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.#kept[(this.#oldest + i) % n] as ClusterEvent;
      const t = Date.parse(e.time);
      if (t >= sinceMs && t < untilMs) out.push(e);
    }
    return out;
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
