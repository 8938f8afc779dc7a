import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EndpointsApplied, ServiceEndpointsView } from '../../api/index.js';
import type { Clock } from '../../clock/index.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../discovery/index.js';
import { ServiceNotFound } from '../../errors/index.js';
import { isActive, TaskState } from '../../task/index.js';
import type { ClusterState } from '../cluster-state.js';
import type { TaskRecord } from '../records.js';
import { isOfService } from '../services/service-record.js';
import { Consumers } from './consumers.js';
import { DiscoveryMetrics } from './discovery-metrics.js';
import { DrainGate } from './drain-gate.js';
import { EndpointBook } from './endpoint-book.js';

export interface DiscoveryDeps {
  state: ClusterState;
  clock: Clock;
  log: Logger;
  metrics: Registry;
  /** The ids of a service's tasks (the service index). */
  tasksOf(service: string): Iterable<string>;
  /** Sends a stop to the task's worker (the dispatcher). */
  stop(taskId: string, nodeId: string): void;
  /** How long an unanswering consumer is waited for; APPLY_WAIT_MS unless a test sets it. */
  applyWaitMs?: number;
}

/**
 * Service discovery on the manager: the endpoint table (endpoint-book.ts) fed from the records,
 * its live consumers (consumers.ts), and the drain gate (drain-gate.ts) that holds a replica's
 * stop until the hosts following the table have let it go.
 */
export class Discovery {
  readonly book: EndpointBook;
  readonly consumers: Consumers;
  readonly gate: DrainGate;
  /** The service each task belongs to, as last seen (a task record that goes away still names its service). */
  readonly #serviceOf = new Map<string, string>();
  /**
   * Each service's drain timeout as last seen, by name, then by id ('' for a record without one): a
   * removed service's replicas still drain by theirs, also once another is created under its name.
   */
  readonly #drainTimeouts = new Map<string, Map<string, number>>();

  constructor(private readonly deps: DiscoveryDeps) {
    const { state } = deps;
    this.book = new EndpointBook({
      services: () => state.services,
      tasksOf: (service) => this.#tasks(service),
      node: (id) => state.nodes.get(id)?.record,
    });
    this.consumers = new Consumers(() => deps.clock.now());
    this.gate = new DrainGate({
      clock: deps.clock,
      log: deps.log,
      epoch: this.book.epoch,
      drainingSince: (taskId) => this.book.drainingSince(taskId),
      consumers: () => this.consumers.live(),
      drainTimeoutMs: (taskId) => this.#drainTimeout(taskId),
      release: (taskId, nodeId) => this.#release(taskId, nodeId),
      ...(deps.applyWaitMs === undefined ? {} : { applyWaitMs: deps.applyWaitMs }),
    });
    let known = 0;
    this.consumers.onChange(() => {
      const joined = this.consumers.size > known;
      known = this.consumers.size;
      this.gate.consumersChanged(joined ? deps.clock.now() : undefined);
    });
    new DiscoveryMetrics(deps.metrics, this);
  }

  /** Follows a task's latest record (ClusterState.onRecord). */
  follow(id: string, rec: TaskRecord | undefined): void {
    const service = rec?.service?.service ?? this.#serviceOf.get(id);
    if (rec === undefined || !isActive(rec.state)) this.gate.forget(id);
    if (service === undefined) return;
    if (rec === undefined) this.#serviceOf.delete(id);
    else this.#serviceOf.set(id, service);
    this.book.changed(service);
    if (!this.deps.state.services.has(service) && isEmpty(this.deps.tasksOf(service)))
      this.#drainTimeouts.delete(service);
  }

  /** A node registered (again) holding these tasks: their endpoints show its URL and host, maybe new ones. */
  nodeJoined(taskIds: Iterable<string>): void {
    for (const id of taskIds) {
      const service = this.#serviceOf.get(id);
      if (service !== undefined) this.book.changed(service);
    }
  }

  /** A service record changed (created, updated, scaled, removed). */
  serviceChanged(name: string): void {
    const rec = this.deps.state.services.get(name);
    if (rec?.spec.drainTimeout !== undefined) {
      let byId = this.#drainTimeouts.get(name);
      if (byId === undefined) this.#drainTimeouts.set(name, (byId = new Map()));
      byId.set(rec.id ?? '', rec.spec.drainTimeout);
    }
    this.book.changed(name);
  }

  /** The state is loaded: every service is looked at. */
  start(): void {
    this.book.changedAll();
  }

  stop(): void {
    this.gate.stop();
  }

  /** `GET /services/{name}/endpoints`. */
  endpoints(name: string): ServiceEndpointsView {
    const view = this.deps.state.services.has(name) ? this.book.view(name) : undefined;
    if (view === undefined) throw new ServiceNotFound(name, this.deps.state.services.keys());
    return view;
  }

  /** `POST /endpoints/applied` from a node. */
  applied(nodeId: string, body: EndpointsApplied): void {
    const updated = this.consumers.applied(nodeId, body);
    if (updated === 0)
      this.deps.log.debug({ nodeId, revision: body.revision }, 'endpoints applied by a node not watching');
  }

  /** The orchestrator is about to stop a task: true when the drain gate holds the stop (and sends it later). */
  holdStop(taskId: string, nodeId: string): boolean {
    // a replica not running yet never had traffic: nothing to drain
    if (this.deps.state.task(taskId)?.state !== TaskState.Running) return false;
    return this.gate.hold(taskId, nodeId);
  }

  #release(taskId: string, nodeId: string): void {
    const rec = this.deps.state.task(taskId);
    // ended meanwhile, or placed elsewhere: nothing of this copy to stop
    if (rec === undefined || rec.desired !== 'stopped' || !isActive(rec.state) || rec.nodeId !== nodeId) return;
    this.deps.stop(taskId, nodeId);
  }

  #drainTimeout(taskId: string): number {
    const service = this.#serviceOf.get(taskId);
    if (service === undefined) return DEFAULT_DRAIN_TIMEOUT_MS;
    const rec = this.deps.state.services.get(service);
    const ref = this.deps.state.task(taskId)?.service;
    if (rec !== undefined && (ref === undefined || isOfService(ref, rec)))
      return rec.spec.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT_MS;
    // a removed service's replica: its own service's timeout, not that of one created again under its name
    const byId = this.#drainTimeouts.get(service);
    return byId?.get(ref?.serviceId ?? '') ?? DEFAULT_DRAIN_TIMEOUT_MS;
  }

  *#tasks(service: string): Iterable<TaskRecord> {
    for (const id of this.deps.tasksOf(service)) {
      const t = this.deps.state.task(id);
      if (t !== undefined) yield t;
    }
  }
}

function isEmpty(items: Iterable<unknown>): boolean {
  for (const _ of items) return false;
  return true;
}
