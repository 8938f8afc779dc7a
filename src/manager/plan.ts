import type { Logger } from 'pino';
import type { Changes } from './changes.js';
import type { ClusterState } from './cluster-state.js';
import { taskEvent } from './events.js';
import type { ManagerMetrics } from './metrics.js';
import type { Placer } from './placer.js';
import type { Action } from './reconcile.js';
import { nodeLabels, type TaskRecord } from './records.js';
import { SpreadCounts, spreadKey } from './spread-counts.js';
import { explainWait, finishStopped, hold, lose, place, planRestart, restart } from './transitions.js';

/** Why a drain's replacement is not placed once its drain was lifted (the service step stops it). */
const LIFTED = 'not placed: the drain that asked for it was lifted; the replica it was to replace stays';

/** A restart with nowhere to go is tried again after this long, keeping its count. */
const RESTART_WAIT_MS = 1_000;

/**
 * What one reconcile pass does, decided before anything is written: the new records with their
 * events (placements, restarts, lost and cancelled tasks), and what to do once they are durable:
 * which tasks to dispatch, which to stop, when to look at which again.
 */
export interface Plan {
  changes: Changes;
  /** Tasks to send to their node again (the first dispatch of a placement follows from its record). */
  redispatch: Set<string>;
  stops: Array<{ taskId: string; nodeId: string }>;
  /** Copies to stop on a node the task left (a drained node), each of the generation it ran under there. */
  copies: Array<{ taskId: string; nodeId: string; generation: number }>;
  /** Ended copies on a node the task left for a restart elsewhere: that node forgets them (record and container). */
  leftBehind: Array<{ taskId: string; nodeId: string }>;
  wakes: Array<{ taskId: string; atMs: number }>;
}

/**
 * Turns reconcile's actions into a Plan. Placements are chosen here, each charged to its node at
 * once (`follow`), so the next task of the same pass sees what the earlier ones took; if the
 * plan is never written, following the records put back undoes the charges.
 */
export class Planner {
  constructor(
    private readonly deps: {
      state: ClusterState;
      placer: Placer;
      /** Charges a record's placement where decisions see it (see Placer.follow). */
      follow(rec: TaskRecord): void;
      /** The nodes the live replicas of a service are placed on (null: not placed), to spread its replicas. */
      replicaNodes(service: string): Iterable<string | null>;
      /**
       * Replicas of a service that are not to be placed now, though Pending: a drain's
       * replacements whose drain was lifted before they were placed; the service step stops them.
       */
      unplaceable(service: string): ReadonlySet<string>;
      metrics: Pick<ManagerMetrics, 'restarts'>;
      log: Logger;
      nowMs(): number;
    },
  ) {}

  /** `fresh`: submissions not written yet; the plan writes each once, placed or not. */
  plan(actions: readonly Action[], fresh: Iterable<string>): Plan {
    const { state } = this.deps;
    const plan: Plan = {
      changes: state.newChanges(),
      redispatch: new Set(),
      stops: [],
      copies: [],
      leftBehind: [],
      wakes: [],
    };
    const current = (id: string): TaskRecord | undefined => plan.changes.current(id, (i) => state.task(i));
    for (const id of fresh) {
      const rec = state.task(id);
      if (rec === undefined) continue;
      // debug: this pass logs the task at info in a moment, placed or not, with its name
      this.deps.log.debug({ taskId: id, name: rec.request.name }, 'task submitted');
      plan.changes.event(taskEvent('task.submitted', rec, null, state.isoNow()));
    }
    const toPlace: TaskRecord[] = [];
    for (const a of actions) {
      const rec = current(a.taskId);
      if (rec === undefined) continue;
      switch (a.kind) {
        case 'place':
          toPlace.push(rec);
          break;
        case 'dispatch':
          plan.redispatch.add(a.taskId);
          break;
        case 'stop':
          plan.stops.push({ taskId: a.taskId, nodeId: a.nodeId });
          break;
        case 'cancel':
          this.#put(plan, finishStopped(rec, state.isoNow()));
          break;
        case 'mark-lost': {
          const node = state.nodes.get(a.nodeId);
          // a node gone from the cluster (poseidon node rm) is not down: it will not come back
          const removed = node === undefined && state.revoked.has(a.nodeId);
          const why = removed
            ? ' was removed from the cluster'
            : node?.engineLost === true
              ? "'s container engine stayed unavailable"
              : ' is down';
          // a global service's replica is pinned to its node: it waits there, placed nowhere else
          const then =
            rec.request.pinnedNodeId === a.nodeId ? 'waiting for it (this replica runs only there)' : 'rescheduling';
          const reason = `node ${state.nodeName(a.nodeId)}${why}; ${then}`;
          const lost = this.#put(plan, lose(rec, reason, state.isoNow()));
          this.deps.log.warn({ taskId: a.taskId, reason }, 'task lost its node');
          plan.changes.event(taskEvent('task.lost', lost, null, state.isoNow()));
          toPlace.push(lost);
          break;
        }
        case 'hold': {
          const name = state.nodeName(a.nodeId);
          const why =
            `node ${name} is down; exclusive, so not moved until its copy is known stopped ` +
            `(the node reports again, or \`poseidon node rm ${name} --dead\`)`;
          const held = hold(rec, why, state.isoNow());
          if (held !== null) this.#put(plan, held);
          break;
        }
        case 'evict': {
          // stop-then-start: a plain task is one copy; placed elsewhere in this pass when some node fits
          const reason = `node ${state.nodeName(a.nodeId)} is drained; moving`;
          plan.copies.push({ taskId: a.taskId, nodeId: a.nodeId, generation: rec.generation });
          const moved = this.#put(plan, lose(rec, reason, state.isoNow()));
          this.deps.log.info({ taskId: a.taskId, nodeId: a.nodeId }, 'task moved off a drained node');
          plan.changes.event(taskEvent('task.moved', moved, null, state.isoNow()));
          toPlace.push(moved);
          break;
        }
        case 'hold-drained': {
          const name = state.nodeName(a.nodeId);
          const why = `node ${name} is drained; exclusive, so not moved while it runs there (stop it to move it)`;
          const held = hold(rec, why, state.isoNow());
          if (held !== null) this.#put(plan, held);
          break;
        }
        case 'restart':
          this.#restart(plan, rec, a.preferNodeId);
          break;
        case 'wake-at':
          plan.wakes.push({ taskId: a.taskId, atMs: a.atMs });
          break;
      }
    }
    if (toPlace.length > 0) this.#placeAll(plan, toPlace);
    for (const id of fresh) {
      const rec = current(id);
      if (rec !== undefined && !plan.changes.records.has(id)) plan.changes.put(rec); // first write, placed or not
    }
    return plan;
  }

  /** A restart is a new placement: on the same node when it is up and fits, else anywhere. */
  #restart(plan: Plan, rec: TaskRecord, preferNodeId: string | null): void {
    const { state } = this.deps;
    const placement = this.deps.placer.choose(rec.request, preferNodeId);
    if (!placement.ok) {
      const atMs = this.deps.nowMs() + RESTART_WAIT_MS;
      const reason = `restart waiting: ${this.deps.placer.explain(placement)}`;
      this.#put(plan, planRestart(rec, { atMs, reason, resetBackoff: false }));
      plan.wakes.push({ taskId: rec.request.id, atMs });
      return;
    }
    const next = this.#put(plan, restart(rec, placement.nodeId, state.nodeName(placement.nodeId), state.isoNow()));
    // its ended copy stays where it ran: the node that no longer has the task drops it, container and all
    if (rec.nodeId !== null && rec.nodeId !== placement.nodeId)
      plan.leftBehind.push({ taskId: rec.request.id, nodeId: rec.nodeId });
    this.deps.metrics.restarts.inc();
    plan.changes.event(taskEvent('task.restarted', next, state.nodeName(placement.nodeId), state.isoNow()));
  }

  #placeAll(plan: Plan, tasks: TaskRecord[]): void {
    const { state, placer } = this.deps;
    tasks.sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
    const spread = new Map<string, SpreadCounts>(); // per service: its replicas per node and label value, this pass
    const unplaceable = new Map<string, ReadonlySet<string>>(); // per service, read once a pass
    for (const rec of tasks) {
      const id = rec.request.id;
      const service = rec.service?.service;
      if (service !== undefined && rec.nodeId === null) {
        let held = unplaceable.get(service);
        if (held === undefined) unplaceable.set(service, (held = this.deps.unplaceable(service)));
        if (held.has(id)) {
          // a drain lifted before this replacement was placed: the replica it was to replace stays
          if (rec.reason !== LIFTED) this.#put(plan, explainWait(rec, LIFTED, state.isoNow()));
          continue;
        }
      }
      const counts = service === undefined ? undefined : this.#replicaCounts(spread, service);
      // the fast path: O(k log n) on the pool; only a task that fits nowhere pays for a scan, to explain why.
      // A service's replica looks at every node, for the one with the fewest replicas of its service
      // (in the node's zone first, when its preferences spread over a label).
      const placement =
        counts === undefined
          ? placer.choose(rec.request)
          : placer.chooseSpread(rec.request, (nodeId) => counts.weight(nodeId));
      if (placement.ok && counts !== undefined) counts.add(placement.nodeId);
      placer.placed(id, placement.ok);
      if (!placement.ok) {
        const reason = placer.explain(placement);
        // no room now, or no node could ever hold it: a wait ends at once on the second (it stays Pending)
        const never = placer.unplaceable(rec.request);
        if (rec.reason !== reason || rec.unplaceable?.reason !== never?.reason) {
          const waiting = this.#put(plan, explainWait(rec, reason, state.isoNow(), never));
          const fields = { taskId: id, name: rec.request.name, reason, ...(never && { unplaceable: never.reason }) };
          this.deps.log.info(fields, 'task not placed');
          // why it waits changed (no room, or no node could ever hold it): said once, as it changes
          plan.changes.event(taskEvent('task.waiting', waiting, null, state.isoNow()));
        }
        continue;
      }
      const node = state.nodeName(placement.nodeId);
      const placed = this.#put(
        plan,
        place(rec, placement.nodeId, state.compact.string(`placed on ${node}`), state.isoNow()),
      );
      const fields = { taskId: id, name: rec.request.name, nodeId: placement.nodeId, generation: placed.generation };
      // every placement is an event (`poseidon events`); the log keeps the ones that go wrong
      this.deps.log.debug(fields, 'task placed');
      plan.changes.event(taskEvent('task.scheduled', placed, node, state.isoNow()));
    }
  }

  #replicaCounts(spread: Map<string, SpreadCounts>, service: string): SpreadCounts {
    let counts = spread.get(service);
    if (counts === undefined) {
      const { state } = this.deps;
      const keys = (state.services.get(service)?.spec.preferences ?? []).map((p) => spreadKey(p.spread));
      counts = new SpreadCounts(keys, (nodeId) => {
        const n = state.nodes.get(nodeId);
        return n === undefined ? undefined : nodeLabels(n.record);
      });
      for (const nodeId of this.deps.replicaNodes(service)) if (nodeId !== null) counts.add(nodeId);
      spread.set(service, counts);
    }
    return counts;
  }

  /** Puts the record in the plan and charges its placement at once (see the class comment). */
  #put(plan: Plan, rec: TaskRecord): TaskRecord {
    plan.changes.put(rec);
    this.deps.follow(rec);
    return rec;
  }
}
