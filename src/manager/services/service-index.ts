import { isActive } from '../../task/index.js';
import type { TaskRecord } from '../records.js';

/**
 * The tasks of each service that matter to it: wanted running, or still holding a container. A
 * task that was stopped and has ended is history and leaves the index, so a look at a service
 * costs its replicas, not everything it ever ran.
 */
export class ServiceIndex {
  readonly #byService = new Map<string, Set<string>>();
  readonly #serviceOf = new Map<string, string>();

  /** Follows a task's latest record; the service it belongs (or belonged) to, if any. */
  follow(id: string, rec: TaskRecord | undefined): string | undefined {
    const before = this.#serviceOf.get(id);
    const name = rec?.service?.service;
    const keep = rec !== undefined && name !== undefined && (rec.desired === 'running' || isActive(rec.state));
    if (before !== undefined && (!keep || before !== name)) {
      this.#serviceOf.delete(id);
      this.#byService.get(before)?.delete(id);
      if (this.#byService.get(before)?.size === 0) this.#byService.delete(before);
    }
    if (keep) {
      this.#serviceOf.set(id, name);
      let ids = this.#byService.get(name);
      if (ids === undefined) this.#byService.set(name, (ids = new Set()));
      ids.add(id);
    }
    return name ?? before;
  }

  /** Ids of the service's tasks that are wanted running or still hold a container. */
  tasksOf(name: string): ReadonlySet<string> {
    return this.#byService.get(name) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
