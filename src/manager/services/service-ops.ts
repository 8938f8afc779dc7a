import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServiceTaskView, ServiceView } from '../../api/index.js';
import { isGlobalMode, isJobMode } from '../../api/service-modes.js';
import type { Clock } from '../../clock/index.js';
import { InvalidField, ServiceNotFound } from '../../errors/index.js';
import { parseServiceSpec, templateChanged } from '../../service/index.js';
import type { ClusterState } from '../cluster-state.js';
import { templateRefs, type FileBook } from '../file-book.js';
import { JobHasNoRollback, NoPreviousVersion, ServiceExists } from '../errors.js';
import type { ClusterEvent } from '../events.js';
import type { TaskRecord } from '../records.js';
import { requestStop } from '../transitions.js';
import type { ServiceOrchestrator } from './service-orchestrator.js';
import { globalNodes, globalSlots } from './global-slots.js';
import { newRollout, rolledBack, updateStateOf, wantedSlots, type ServiceRecord } from './service-record.js';
import { shownTasks } from './service-index.js';
import { replicaCounts, toServiceTaskViews, toServiceView } from './service-view.js';

/**
 * The Services API's operations. Each change is written before it is answered (a 201 means the
 * record is in the store) and under the services lock, so a step of the orchestrator never
 * writes over it; the orchestrator then makes the tasks follow.
 */
export class ServiceOps {
  constructor(
    private readonly deps: {
      state: ClusterState;
      services: Pick<ServiceOrchestrator, 'index' | 'lock' | 'changed'>;
      /** Tasks written outside a pass (a removal's stops): the next pass sends them, as a task's stop does. */
      tasksChanged(ids: readonly string[]): void;
      /** Gives a new service its virtual IP (under the services lock, so no two get one VIP). */
      vips: { allocate(): string };
      /** Secrets and configs: a template mounts only those that exist. */
      files: Pick<FileBook, 'checkRefs'>;
      clock: Clock;
      log: Logger;
    },
  ) {}

  list(): ServiceView[] {
    const shown = this.#shown();
    return [...this.deps.state.services.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((rec) => toServiceView(rec, shown(rec.name)));
  }

  get(name: string): ServiceView {
    const rec = this.#record(name);
    return toServiceView(rec, this.#shown()(rec.name));
  }

  tasks(name: string): ServiceTaskView[] {
    const rec = this.#record(name);
    return toServiceTaskViews(this.#shown()(rec.name), (id) => this.deps.state.nodeName(id));
  }

  /** Wanted and healthy replicas and the rollout state of each service (for /metrics). */
  summaries(): Array<{ name: string; wanted: number; healthy: number; update: string | null }> {
    const shown = this.#shown();
    return [...this.deps.state.services.values()].map((rec) => ({
      name: rec.name,
      wanted: wantedSlots(rec).length,
      healthy: replicaCounts(rec, shown(rec.name)).healthy,
      update: rec.update === null ? null : updateStateOf(rec.update),
    }));
  }

  async create(body: unknown): Promise<ServiceView> {
    const spec = parseServiceSpec(body);
    this.deps.files.checkRefs(templateRefs(spec.task), 'task');
    return this.#write(spec.name, (now, existing) => {
      if (existing !== undefined) throw new ServiceExists(spec.name);
      const rec: ServiceRecord = {
        name: spec.name,
        id: randomBytes(8).toString('hex'),
        version: 1,
        vip: this.deps.vips.allocate(),
        spec,
        previous: null,
        lastVersion: 1,
        update: null,
        createdAt: now.iso,
        updatedAt: now.iso,
      };
      if (isGlobalMode(spec.mode)) {
        // its slots now, so the answer counts its replicas; the orchestrator's steps keep them current
        const { nodeSlots, slots, lastSlot } = globalSlots(rec, globalNodes(this.deps.state.nodes));
        Object.assign(rec, { nodeSlots, slots, lastSlot });
      }
      return { rec, event: { type: 'service.created', replicas: wantedSlots(rec).length } };
    });
  }

  /**
   * A new spec for the service. A change of what runs is a new version, rolled out by its update
   * block; anything else (replicas, the update block, labels) is written under the same version.
   */
  async update(name: string, body: unknown): Promise<ServiceView> {
    const named = typeof body === 'object' && body !== null && !('name' in body) ? { ...body, name } : body;
    const given = parseServiceSpec(named);
    if (given.name !== name) throw new InvalidField('name', `is "${given.name}"; a service cannot be renamed`);
    this.deps.files.checkRefs(templateRefs(given.task), 'task');
    return this.#write(name, (now, rec) => {
      if (rec === undefined) throw this.#missing(name);
      const [was, is] = [rec.spec.mode ?? 'replicated', given.mode ?? 'replicated'];
      if (was !== is)
        throw new InvalidField(
          'mode',
          `is "${is}"; service ${name} is ${was}, and a service's mode cannot change: remove it and create it again`,
        );
      // a spec that leaves the counter out (a file, a Compose deploy) keeps the service's: no restart
      const kept = rec.spec.forceUpdate;
      const spec = given.forceUpdate === undefined && kept !== undefined ? { ...given, forceUpdate: kept } : given;
      const scaled = spec.replicas !== rec.spec.replicas;
      if (!templateChanged(rec.spec, spec)) {
        const next = { ...rec, spec, updatedAt: now.iso };
        return { rec: next, ...(scaled ? { event: { type: 'service.scaled', replicas: spec.replicas } } : {}) };
      }
      const version = rec.lastVersion + 1;
      // a job has no rollout: the new version runs again, and what the last one still runs stops
      const update = isJobMode(spec.mode)
        ? null
        : newRollout('update', rec.version, version, spec.update, now.ms, 'new version');
      const next: ServiceRecord = {
        ...rec,
        version,
        lastVersion: version,
        spec,
        previous: { version: rec.version, spec: rec.spec },
        update,
        updatedAt: now.iso,
      };
      if (update === null) return { rec: next, event: { type: 'job.started', total: wantedSlots(next).length } };
      const event: Partial<ClusterEvent> = {
        type: 'update.started',
        state: update.state,
        fromVersion: rec.version,
        toVersion: version,
        updated: 0,
        total: wantedSlots(next).length,
        reason: update.reason,
      };
      return { rec: next, event };
    });
  }

  async scale(name: string, replicas: number): Promise<ServiceView> {
    return this.#write(name, (now, rec) => {
      if (rec === undefined) throw this.#missing(name);
      if (isGlobalMode(rec.spec.mode)) {
        const one = isJobMode(rec.spec.mode) ? 'task' : 'replica';
        throw new InvalidField(
          'replicas',
          `cannot be set: service ${name} is ${rec.spec.mode}, with one ${one} on each node that meets its constraints`,
        );
      }
      const next = { ...rec, spec: { ...rec.spec, replicas }, updatedAt: now.iso };
      return { rec: next, event: { type: 'service.scaled', replicas } };
    });
  }

  /** Back to the previous version, by the rollback block (a manual rollback). */
  async rollback(name: string): Promise<ServiceView> {
    return this.#write(name, (now, rec) => {
      if (rec === undefined) throw this.#missing(name);
      if (isJobMode(rec.spec.mode)) throw new JobHasNoRollback(name, rec.spec.mode ?? '');
      const back = rolledBack(rec, now.ms, now.iso, 'rollback requested');
      if (back === null) throw new NoPreviousVersion(name);
      const u = back.update;
      const event: Partial<ClusterEvent> = {
        type: 'update.started',
        state: u?.state ?? 'rolling_back',
        fromVersion: rec.version,
        toVersion: back.version,
        updated: 0,
        total: wantedSlots(back).length,
        reason: 'rollback requested',
      };
      return { rec: back, event };
    });
  }

  /** Removes the service and stops its tasks, in one write. */
  async remove(name: string): Promise<ServiceView> {
    const { state, services } = this.deps;
    return services.lock.run('services', async () => {
      const rec = this.#record(name);
      const view = toServiceView(rec, this.#shown()(name));
      const tasks = this.#latest(name);
      const changes = state.newChanges();
      const stopped: string[] = [];
      for (const t of tasks)
        if (t.desired === 'running') {
          changes.put(requestStop(t, state.isoNow(), 'its service was removed'));
          stopped.push(t.request.id);
        }
      changes.removeService(name);
      changes.event({ time: state.isoNow(), type: 'service.removed', service: name, version: rec.version });
      await state.commit(changes);
      this.deps.log.info({ service: name, tasks: tasks.length }, 'service removed');
      services.changed(name);
      this.deps.tasksChanged(stopped); // the pass this kicks sends the stops (not the next sweep)
      return view;
    });
  }

  /** Reads, changes and writes one service record under the lock; answers with the view of what was written. */
  async #write(
    name: string,
    change: (
      now: { ms: number; iso: string },
      rec: ServiceRecord | undefined,
    ) => { rec: ServiceRecord; event?: Partial<ClusterEvent> },
  ): Promise<ServiceView> {
    const { state, services } = this.deps;
    const view = await services.lock.run('services', async () => {
      const now = { ms: this.deps.clock.now(), iso: state.isoNow() };
      const { rec, event } = change(now, state.services.get(name));
      const changes = state.newChanges();
      changes.putService(rec);
      if (event !== undefined) {
        const e = { time: now.iso, service: name, version: rec.version, ...event } as ClusterEvent;
        changes.event(e);
        this.deps.log.info({ service: name, event: e.type, version: rec.version }, 'service changed');
      }
      await state.commit(changes);
      return toServiceView(rec, this.#shown()(name));
    });
    services.changed(name);
    return view;
  }

  /** No service `name`: the error names a near one, if any. */
  #missing(name: string): ServiceNotFound {
    return new ServiceNotFound(name, this.deps.state.services.keys());
  }

  #record(name: string): ServiceRecord {
    const rec = this.deps.state.services.get(name);
    if (rec === undefined) throw this.#missing(name);
    return rec;
  }

  /** The service's tasks as the API shows them (durable), by service name. */
  #shown(): (name: string) => TaskRecord[] {
    return shownTasks(this.deps.services.index, this.deps.state);
  }

  /** The service's tasks' latest records: what a decision reads. */
  #latest(name: string): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const id of this.deps.services.index.tasksOf(name)) {
      const t = this.deps.state.task(id);
      if (t !== undefined) out.push(t);
    }
    return out;
  }
}
