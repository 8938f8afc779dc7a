import type { Logger } from 'pino';
import { isGlobalMode, isJobMode } from '../../api/service-modes.js';
import type { Clock } from '../../clock/index.js';
import { KeyedLock } from '../../lock/index.js';
import { slotTaskSpec } from '../../service/index.js';
import { parseSpec, type TaskRequest } from '../../task/index.js';
import type { Changes } from '../changes.js';
import type { ClusterState } from '../cluster-state.js';
import type { TaskRecord } from '../records.js';
import { requestStop, submitted } from '../transitions.js';
import { isDrained, nodeLabels, type NodeRecord } from '../records.js';
import { decideService, type DrainedNodes, type ServiceDecision } from './decide.js';
import { decideJob } from './decide-job.js';
import { unplacedLeftovers } from './drain-moves.js';
import { globalNodes, globalSlots, type GlobalNode } from './global-slots.js';
import { isReady } from './replica-state.js';
import type { RolloutEvent, RoomHeldByOld } from './rollout.js';
import { ServiceIndex } from './service-index.js';
import { wantedSlots, type ServiceRecord } from './service-record.js';

/** A step whose write failed is tried again after this long. */
const RETRY_MS = 1_000;

/**
 * The service part of the orchestrator: before each reconcile pass decides on tasks, it looks at
 * the services that changed (a spec, a scale, a task of theirs, a timer of their rollout) and
 * writes, in one commit, new tasks for empty slots, stop requests, and the rollouts' progress.
 * The task pass that follows places the new tasks and stops the stopped ones. Service records
 * change only under `lock` (the API's operations take it too), so no change is lost between
 * a decision and its write.
 */
export class ServiceOrchestrator {
  readonly index = new ServiceIndex();
  /** Serializes every change of a service record: API operations and steps. */
  readonly lock = new KeyedLock();
  /** Since when each ready task has been ready (memory only: after a restart a monitor starts over). */
  readonly #readySince = new Map<string, number>();
  #dirty = new Set<string>();
  #all = true;
  readonly #wakes = new Map<string, { atMs: number; cancel(): void }>();
  #stopped = false;
  /** No pass is kicked before the manager has loaded its state (load follows every record). */
  #started = false;
  /** What of each node a global service's slots depend on, as last seen (nodeChanged). */
  readonly #nodeKeys = new Map<string, string>();

  constructor(
    private readonly deps: {
      state: ClusterState;
      clock: Clock;
      log: Logger;
      /** Runs a reconcile pass soon (which begins with a step). */
      kick(): void;
      /**
       * Where a replica no node can take now, nor once `leaving` have stopped, would fit were the
       * tasks `held` gone (Placer.roomHeldBy); undefined: nowhere. Absent: never asked (a
       * start-first update then waits for room).
       */
      roomHeldBy?(request: TaskRequest, held: readonly string[], leaving: readonly string[]): string | undefined;
    },
  ) {}

  /** Follows a task's latest record: its service is looked at in the next step. */
  follow(id: string, rec: TaskRecord | undefined): void {
    if (rec !== undefined && rec.service !== undefined && isReady(rec)) {
      if (!this.#readySince.has(id)) this.#readySince.set(id, this.deps.clock.now());
    } else this.#readySince.delete(id);
    const name = this.index.follow(id, rec);
    if (name !== undefined) this.changed(name);
  }

  /** The service changed (or may have): the next step looks at it. */
  changed(name: string): void {
    this.#dirty.add(name);
    if (this.#started) this.deps.kick();
  }

  /**
   * A node's record was written (or, `undefined`, the node removed): when what global services
   * read of it changed (its name, labels or availability; not a heartbeat), each is looked at.
   */
  nodeChanged(nodeId: string, rec: NodeRecord | undefined): void {
    const key = rec === undefined ? undefined : nodeKey(rec);
    if (key === this.#nodeKeys.get(nodeId)) return;
    if (key === undefined) this.#nodeKeys.delete(nodeId);
    else this.#nodeKeys.set(nodeId, key);
    for (const s of this.deps.state.services.values()) if (isGlobalMode(s.spec.mode)) this.changed(s.name);
  }

  /** The state is loaded: from now on a change kicks a pass (the first step looks at every service). */
  start(): void {
    this.#started = true;
  }

  /** Since when the task has been ready, as this manager saw it; undefined when it is not ready. */
  readySince(id: string): number | undefined {
    return this.#readySince.get(id);
  }

  /**
   * The service's replicas that are not to be placed: a drain's replacements not placed yet whose
   * drain was lifted (drain-moves.ts, unplacedLeftovers). The next step stops them, and the replica
   * each was to replace keeps running; placed meanwhile (a pass that places before that step, as
   * when `node activate` lands while a pass runs), one would replace its replica for nothing.
   * Read when placing, so it holds whatever the order of the passes. A job's tasks are not moved
   * start-first, so none of them is.
   */
  unplaceable(name: string): ReadonlySet<string> {
    const { state } = this.deps;
    const rec = state.services.get(name);
    if (rec === undefined || isJobMode(rec.spec.mode)) return new Set();
    const tasks: TaskRecord[] = [];
    for (const id of this.index.tasksOf(name)) {
      const t = state.task(id);
      if (t !== undefined) tasks.push(t);
    }
    return unplacedLeftovers(tasks, new Set(wantedSlots(rec)), this.#drained().nodes);
  }

  stop(): void {
    this.#stopped = true;
    for (const w of this.#wakes.values()) w.cancel();
    this.#wakes.clear();
  }

  /**
   * Decides on the services that changed (all of them when `all`, and on the first step), writes
   * what it decided, and returns the ids of the tasks it created or stopped, for the task pass.
   */
  async step(all: boolean): Promise<string[]> {
    if (this.#stopped) return [];
    const { state } = this.deps;
    const names = all || this.#all ? [...state.services.keys()] : [...this.#dirty];
    this.#all = false;
    this.#dirty = new Set();
    if (names.length === 0) return [];
    return this.lock.run('services', async () => {
      const changes = state.newChanges();
      const touched: string[] = [];
      const drain = this.#drained();
      let nodes: GlobalNode[] | undefined;
      for (const name of names) {
        const rec = state.services.get(name);
        if (rec === undefined) continue;
        if (isGlobalMode(rec.spec.mode)) nodes ??= globalNodes(state.nodes);
        touched.push(...this.#decide(rec, changes, drain, nodes ?? []));
      }
      if (changes.size === 0) {
        await state.commit(changes); // publishes the events, if any
        return [];
      }
      try {
        await state.commit(changes);
      } catch (err) {
        for (const name of names) this.#wakeAt(name, this.deps.clock.now() + RETRY_MS);
        throw err;
      }
      return touched;
    });
  }

  /** Puts one service's decision into `changes`; the ids of the tasks it touched. */
  #decide(rec: ServiceRecord, changes: Changes, drain: DrainedNodes, nodes: GlobalNode[]): string[] {
    const { state, clock } = this.deps;
    const nowMs = clock.now();
    const nowIso = state.isoNow();
    const tasks: TaskRecord[] = [];
    for (const id of this.index.tasksOf(rec.name)) {
      const t = state.task(id);
      if (t !== undefined) tasks.push(t);
    }
    // a global service's slots follow the nodes first; the decision is then made as for any service
    let placed = rec;
    let left = new Map<number, string>();
    let nodeOf = new Map<number, string>();
    if (isGlobalMode(rec.spec.mode)) {
      const g = globalSlots(rec, nodes);
      ({ left, nodeOf } = g);
      if (!sameSlots(rec, g)) {
        placed = { ...rec, nodeSlots: g.nodeSlots, slots: g.slots, lastSlot: g.lastSlot, updatedAt: nowIso };
        this.deps.log.info({ service: rec.name, slots: g.slots.length }, 'global service follows the nodes');
      }
    }
    const d = isJobMode(rec.spec.mode)
      ? this.#decideJob(placed, tasks, changes, { nowMs, nowIso }, drain, left)
      : decideService(placed, tasks, this.#readySince, nowMs, nowIso, drain, left, this.#roomHeldByOld);
    const next = d.record ?? placed;
    const touched: string[] = [];
    for (const s of d.stop) {
      const t = state.task(s.taskId);
      if (t === undefined || t.desired === 'stopped') continue;
      changes.put(requestStop(t, nowIso, s.reason));
      touched.push(s.taskId);
    }
    for (const slot of d.create) {
      let request;
      try {
        const pin = nodeOf.get(slot); // a global service's slot runs on its node only
        const parsed = parseSpec(slotTaskSpec(next.spec, slot));
        request = state.compact.request(pin === undefined ? parsed : { ...parsed, pinnedNodeId: pin });
      } catch (err) {
        // the spec was checked when it was written; one this manager cannot read stays as it is
        this.deps.log.error({ err, service: rec.name, slot }, 'replica task cannot be made from the service spec');
        break;
      }
      const ref = { service: rec.name, slot, version: next.version };
      changes.put(submitted(request, nowIso, rec.id === undefined ? ref : { ...ref, serviceId: rec.id }));
      touched.push(request.id);
    }
    if (next !== rec) changes.putService(next);
    for (const e of d.events) {
      changes.event(rolloutEvent(rec.name, next.version, e, nowIso));
      this.deps.log.info({ service: rec.name, event: e.type, reason: e.reason }, 'service rollout');
    }
    if (d.create.length > 0 || d.stop.length > 0)
      this.deps.log.info({ service: rec.name, created: d.create.length, stopped: d.stop.length }, 'service reconciled');
    if (d.wakeAtMs !== null) this.#wakeAt(rec.name, d.wakeAtMs);
    return touched;
  }

  /** Whether the old tasks of a slot hold the room its new one needs (rollout.ts, RoomHeldByOld). */
  readonly #roomHeldByOld: RoomHeldByOld = (pending, olds, leaving) =>
    this.deps.roomHeldBy?.(pending.request, ids(olds), ids(leaving)) !== undefined;

  /** A job's decision, as a service's: the record says when its run ended, with the event that says so. */
  #decideJob(
    rec: ServiceRecord,
    tasks: TaskRecord[],
    changes: Changes,
    { nowMs, nowIso }: { nowMs: number; nowIso: string },
    drain: DrainedNodes,
    left: Map<number, string>,
  ): ServiceDecision {
    const j = decideJob(rec, tasks, nowMs, drain, left);
    const out: ServiceDecision = { record: null, create: j.create, stop: j.stop, events: [], wakeAtMs: null };
    if (j.ended !== null) {
      out.record = { ...rec, jobEnded: j.ended, updatedAt: nowIso };
      const { completed, failed, total } = j.ended;
      const type = failed > 0 ? 'job.failed' : 'job.completed';
      changes.event({ time: nowIso, type, service: rec.name, version: rec.version, completed, failed, total });
      this.deps.log.info({ service: rec.name, version: rec.version, completed, failed, total }, type);
    }
    return out;
  }

  /** The nodes drained now, read once per step. */
  #drained(): DrainedNodes {
    const { state } = this.deps;
    const nodes = new Set<string>();
    for (const [id, n] of state.nodes) if (isDrained(n)) nodes.add(id);
    return { nodes, nodeName: (id) => state.nodeName(id) };
  }

  /** Looks at the service again at `atMs` (a monitor ends, a delay is over, a deadline). */
  #wakeAt(name: string, atMs: number): void {
    if (this.#stopped) return;
    const known = this.#wakes.get(name);
    if (known !== undefined) {
      if (known.atMs <= atMs) return;
      known.cancel();
    }
    const cancel = this.deps.clock.setTimer(Math.max(0, atMs - this.deps.clock.now()), () => {
      this.#wakes.delete(name);
      this.changed(name);
    });
    this.#wakes.set(name, { atMs, cancel });
  }
}

const ids = (tasks: readonly TaskRecord[]): string[] => tasks.map((t) => t.request.id);

/** What of a node decides a global service's slot there. */
function nodeKey(rec: NodeRecord): string {
  return JSON.stringify([rec.name, rec.availability ?? 'active', nodeLabels(rec) ?? {}]);
}

function sameSlots(rec: ServiceRecord, g: { nodeSlots: Record<string, number>; slots: number[]; lastSlot: number }) {
  return (
    (rec.lastSlot ?? 0) === g.lastSlot &&
    JSON.stringify(rec.slots ?? []) === JSON.stringify(g.slots) &&
    JSON.stringify(rec.nodeSlots ?? {}) === JSON.stringify(g.nodeSlots)
  );
}

function rolloutEvent(service: string, version: number, e: RolloutEvent, time: string) {
  return {
    time,
    type: e.type,
    service,
    version,
    state: e.state,
    fromVersion: e.fromVersion,
    toVersion: e.toVersion,
    updated: e.updated,
    total: e.total,
    reason: e.reason,
    ...(e.note === undefined ? {} : { note: e.note }),
  };
}
