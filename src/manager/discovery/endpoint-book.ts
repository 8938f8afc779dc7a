import { randomBytes } from 'node:crypto';
import type { EndpointState, EndpointsMessage, ServiceEndpointsView } from '../../api/index.js';
import type { TaskRecord } from '../records.js';
import { isOfService, type ServiceRecord } from '../services/service-record.js';
import { endpointsOf, serviceEndpoints, type EndpointNode } from './endpoint-view.js';

export interface EndpointBookDeps {
  services(): ReadonlyMap<string, ServiceRecord>;
  /** The latest records of the tasks of the service's name: of removed services of that name too. */
  tasksOf(service: string): Iterable<TaskRecord>;
  /** The node's record: its name, URL and host; undefined for a node no longer known. */
  node(nodeId: string): EndpointNode | undefined;
}

export type EndpointsListener = (message: EndpointsMessage) => void;

/**
 * The manager's endpoint table: per service, its VIP, ports and one endpoint per replica task,
 * read from the records (endpoint-view.ts). A change marks the service dirty; the table looks
 * again at the end of the current turn (a commit of a thousand tasks is one look), or at once
 * when asked (`flush`). A service whose view differs from the last one gets the next revision
 * (one counter for the whole table) and is published to every listener, in order.
 */
export class EndpointBook {
  /** Names this manager run: a consumer that sees another epoch takes the next snapshot as the whole truth. */
  readonly epoch = randomBytes(8).toString('hex');
  #revision = 0;
  readonly #views = new Map<string, ServiceEndpointsView>();
  /** Each view as JSON without its revision: what a change is compared against. */
  readonly #keys = new Map<string, string>();
  /** The revision at which each draining endpoint (task id) became draining. */
  readonly #drainingAt = new Map<string, number>();
  readonly #listeners = new Set<EndpointsListener>();
  #dirty = new Set<string>();
  #scheduled = false;

  constructor(private readonly deps: EndpointBookDeps) {}

  get revision(): number {
    return this.#revision;
  }

  /** The service may have changed (its record, or a task of it). */
  changed(service: string): void {
    this.#dirty.add(service);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Every service may have changed (the manager loaded its state). */
  changedAll(): void {
    for (const name of this.deps.services().keys()) this.changed(name);
    for (const name of this.#views.keys()) this.changed(name);
  }

  /** Looks at the dirty services now, and publishes what changed. */
  flush(): void {
    this.#scheduled = false;
    const names = this.#dirty;
    if (names.size === 0) return;
    this.#dirty = new Set();
    for (const name of [...names].sort()) this.#look(name);
  }

  view(service: string): ServiceEndpointsView | undefined {
    this.flush();
    return this.#views.get(service);
  }

  views(): IterableIterator<ServiceEndpointsView> {
    return this.#views.values();
  }

  snapshot(): EndpointsMessage {
    this.flush();
    const services = [...this.#views.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
    return { type: 'snapshot', epoch: this.epoch, revision: this.#revision, services };
  }

  /** The revision that made this endpoint draining; undefined when it is not draining (or not an endpoint). */
  drainingSince(taskId: string): number | undefined {
    this.flush();
    return this.#drainingAt.get(taskId);
  }

  /** Endpoints per state, over every service (for /metrics). */
  counts(): Map<EndpointState, number> {
    const counts = new Map<EndpointState, number>();
    for (const v of this.#views.values())
      for (const e of v.endpoints) counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
    return counts;
  }

  /** Every message from now on, in order; returns the unsubscribe. */
  subscribe(listener: EndpointsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #look(name: string): void {
    const rec = this.deps.services().get(name);
    const old = this.#views.get(name);
    const node = (id: string): EndpointNode | undefined => this.deps.node(id);
    let view: Omit<ServiceEndpointsView, 'revision'>;
    // a service's endpoints are its own replicas: those of a removed service of its name, still
    // stopping, are not published once it exists (hosts know a service by name; the name is its now)
    if (rec !== undefined) view = serviceEndpoints(rec, ownTasks(rec, this.deps.tasksOf(name)), node);
    else {
      if (old === undefined) return;
      // a removed service stays, with its replicas draining, until the last of them has stopped
      const endpoints = endpointsOf(this.deps.tasksOf(name), node);
      if (endpoints.length === 0) {
        this.#views.delete(name);
        this.#keys.delete(name);
        for (const e of old.endpoints) this.#drainingAt.delete(e.taskId);
        this.#publish({ type: 'removed', epoch: this.epoch, revision: ++this.#revision, service: name });
        return;
      }
      view = { service: name, vip: old.vip, dnsNames: old.dnsNames, ports: old.ports, endpoints };
    }
    const key = JSON.stringify(view);
    if (this.#keys.get(name) === key) return;
    const revision = ++this.#revision;
    const next: ServiceEndpointsView = { ...view, revision };
    this.#views.set(name, next);
    this.#keys.set(name, key);
    const present = new Set<string>();
    for (const e of next.endpoints) {
      present.add(e.taskId);
      if (e.state === 'draining') {
        if (!this.#drainingAt.has(e.taskId)) this.#drainingAt.set(e.taskId, revision);
      } else this.#drainingAt.delete(e.taskId);
    }
    for (const e of old?.endpoints ?? []) if (!present.has(e.taskId)) this.#drainingAt.delete(e.taskId);
    this.#publish({ type: 'service', epoch: this.epoch, revision, service: next });
  }

  #publish(message: EndpointsMessage): void {
    for (const listener of this.#listeners) listener(message);
  }
}

/** The tasks that are the service's (by its id; any of its name for a record or a task without one). */
function* ownTasks(rec: ServiceRecord, tasks: Iterable<TaskRecord>): Iterable<TaskRecord> {
  for (const t of tasks) if (t.service !== undefined && isOfService(t.service, rec)) yield t;
}
