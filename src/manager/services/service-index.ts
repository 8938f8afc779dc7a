import { isActive } from '../../task/index.js';
import type { TaskRecord } from '../records.js';
import { isOfService, type ServiceRecord } from './service-record.js';

/**
 * The tasks of each service that matter to it: wanted running, or still holding a container. A
 * task that was stopped and has ended is history and leaves the index, so a look at a service
 * costs its replicas, not everything it ever ran. It follows each task's latest record, which
 * decisions read; what the API shows of a service is shownTasks().
 */
export class ServiceIndex {
  readonly #byService = new Map<string, Set<string>>();
  readonly #serviceOf = new Map<string, string>();

  /** Follows a task's latest record; the service it belongs (or belonged) to, if any. */
  follow(id: string, rec: TaskRecord | undefined): string | undefined {
    const before = this.#serviceOf.get(id);
    const name = rec === undefined ? undefined : keptBy(rec);
    if (before !== undefined && before !== name) {
      this.#serviceOf.delete(id);
      this.#byService.get(before)?.delete(id);
      if (this.#byService.get(before)?.size === 0) this.#byService.delete(before);
    }
    if (name !== undefined) {
      this.#serviceOf.set(id, name);
      let ids = this.#byService.get(name);
      if (ids === undefined) this.#byService.set(name, (ids = new Set()));
      ids.add(id);
    }
    return rec?.service?.service ?? before;
  }

  /** Ids of the service's tasks that are wanted running or still hold a container. */
  tasksOf(name: string): ReadonlySet<string> {
    return this.#byService.get(name) ?? EMPTY;
  }
}

/** What shownTasks reads of the cluster state. */
export interface ShownRecords {
  /** The task's record as the API shows it (durable). */
  shown(id: string): TaskRecord | undefined;
  /** Ids of the tasks whose latest record is still on its way to the store. */
  unconfirmed(): Iterable<string>;
  /** The services there are: a task of a removed one of the same name is not shown as theirs. */
  readonly services: ReadonlyMap<string, Pick<ServiceRecord, 'name' | 'id'>>;
}

/**
 * Each service's tasks as the API shows them: their durable records, as GET /tasks/{id} shows
 * each, kept by the same rule as the index. The index follows the latest records, so a replica
 * whose end is still on its way to the store has left it already; `service ps` would drop it
 * (and `--wait` call a scale down done) while GET /tasks still said Running. So the tasks with a
 * write in flight are looked at too, once per call: a look costs the replicas and those writes.
 * A removed service's tasks still stopping are not those of a service created again under its
 * name (its `service ps` and counts would show the old replicas as its own, of versions it never had).
 */
export function shownTasks(index: ServiceIndex, state: ShownRecords): (name: string) => TaskRecord[] {
  const inFlight = new Map<string, string[]>();
  for (const id of state.unconfirmed()) {
    const rec = state.shown(id);
    const name = rec === undefined ? undefined : keptBy(rec);
    if (name === undefined) continue;
    const ids = inFlight.get(name);
    if (ids === undefined) inFlight.set(name, [id]);
    else ids.push(id);
  }
  return (name) => {
    const extra = inFlight.get(name);
    const ids = extra === undefined ? index.tasksOf(name) : new Set([...index.tasksOf(name), ...extra]);
    const service = state.services.get(name);
    const out: TaskRecord[] = [];
    for (const id of ids) {
      const rec = state.shown(id);
      if (rec?.service === undefined || keptBy(rec) !== name) continue;
      if (service === undefined || isOfService(rec.service, service)) out.push(rec);
    }
    return out;
  };
}

/** The service a record keeps its task under (wanted running, or still holding a container); undefined: none. */
function keptBy(rec: TaskRecord): string | undefined {
  const name = rec.service?.service;
  return name !== undefined && (rec.desired === 'running' || isActive(rec.state)) ? name : undefined;
}

const EMPTY: ReadonlySet<string> = new Set();
