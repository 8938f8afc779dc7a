import type { ServiceTaskRef, TaskReport, UnplaceableView } from '../api/index.js';
import {
  assertTransition,
  InvalidTransition,
  isActive,
  isTerminal,
  STOPPED_ON_REQUEST,
  TaskState,
  type TaskRequest,
} from '../task/index.js';
import { withoutRestartPlan } from '../task/restart-plan.js';
import type { Compactor } from './compact.js';
import { NO_HEALTH, type TaskRecord } from './records.js';

/**
 * The only code that changes a task's state. Each function takes the record as it is and returns
 * the record as it should become, a new object: the caller writes it, and memory takes it only
 * once the write succeeded (see ClusterState.commit). Every change of state is checked by the
 * task state machine; one it does not allow throws InvalidTransition, never passes silently.
 */

/** A submission (or a service's new replica) as it is first recorded: Pending, on no node, generation 0. */
export function submitted(request: TaskRequest, nowIso: string, service?: ServiceTaskRef): TaskRecord {
  const rec: TaskRecord = {
    request,
    desired: 'running',
    state: TaskState.Pending,
    nodeId: null,
    generation: 0,
    containerId: null,
    exitCode: null,
    lastExit: null,
    reason: 'waiting to be scheduled',
    ports: [],
    restarts: 0,
    failuresInRow: 0,
    restartAt: null,
    health: NO_HEALTH,
    submittedAt: nowIso,
    startedAt: null,
    finishedAt: null,
    updatedAt: nowIso,
  };
  if (service !== undefined) rec.service = service;
  return rec;
}

/** Pending -> Scheduled on `nodeId`, under a new generation (fencing). */
export function place(rec: TaskRecord, nodeId: string, reason: string, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Scheduled);
  // a task found unplaceable is placed once a node joined, or someone acted: the mark goes (the
  // copy without it only then, as a rest copy costs more on the submit path than a plain spread)
  let placeable = rec;
  if (rec.unplaceable !== undefined) {
    const { unplaceable: _placed, ...rest } = rec;
    placeable = rest;
  }
  return {
    ...placeable,
    state: TaskState.Scheduled,
    nodeId,
    generation: rec.generation + 1,
    reason,
    updatedAt: nowIso,
  };
}

/**
 * Completed | Failed -> Scheduled on `nodeId`: a restart is a new placement (new generation), with
 * the container, exit and health of the copy before it cleared.
 */
export function restart(rec: TaskRecord, nodeId: string, nodeName: string, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Scheduled);
  const restarts = rec.restarts + 1;
  return {
    ...rec,
    state: TaskState.Scheduled,
    nodeId,
    generation: rec.generation + 1,
    restarts,
    failuresInRow: rec.failuresInRow + 1,
    restartAt: null,
    containerId: null,
    exitCode: null,
    health: NO_HEALTH,
    reason: `restart ${restarts} placed on ${nodeName}`,
    updatedAt: nowIso,
  };
}

/** Scheduled | Running -> Pending: its node is gone; it waits for a new placement. */
export function lose(rec: TaskRecord, reason: string, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Pending);
  return { ...rec, state: TaskState.Pending, nodeId: null, containerId: null, ports: [], reason, updatedAt: nowIso };
}

/**
 * Pending -> Scheduled on `nodeId` under the generation it already has: the node it was lost with
 * came back still running that copy, and the task may run only there (pinned, or beside its
 * volumes). Its report then says the rest; no new placement, so the copy is kept.
 */
export function adopt(rec: TaskRecord, nodeId: string, reason: string, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Scheduled);
  const { unplaceable: _placed, ...rest } = rec;
  return { ...rest, state: TaskState.Scheduled, nodeId, reason, updatedAt: nowIso };
}

/**
 * An exclusive task whose node is down keeps its state and node (its copy may still run there);
 * only the reason says why it is not moved. Null when the reason is already that.
 */
export function hold(rec: TaskRecord, reason: string, nowIso: string): TaskRecord | null {
  return rec.reason === reason ? null : { ...rec, reason, updatedAt: nowIso };
}

/** A stop asked by the user ends the task without its worker: never placed, node down, or already gone there. */
export function finishStopped(rec: TaskRecord, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Completed);
  return { ...rec, state: TaskState.Completed, reason: stoppedReason(rec), finishedAt: nowIso, updatedAt: nowIso };
}

/** Why a stop was asked, when the user asked (`poseidon stop`, DELETE /tasks/{id}); the worker's reason too. */
const ON_REQUEST = STOPPED_ON_REQUEST;
/** What a task being stopped for a service's reason says until it has ended. */
const STOPPING = 'stopping: ';
/** What a task being stopped by its user says until it has ended. */
const STOPPING_ON_REQUEST = 'stopping on request';

/**
 * Why a task that was asked to stop has ended: the reason the stop was asked with (a service's
 * "replaced by version 3", "scaled down to 1"), which its reason has said while it stopped;
 * "stopped on request" when a user asked, or when that reason is not known any more.
 */
function stoppedReason(rec: TaskRecord): string {
  return rec.desired === 'stopped' && rec.reason.startsWith(STOPPING) ? rec.reason.slice(STOPPING.length) : ON_REQUEST;
}

/** A task being stopped: its reason says so until it has ended (see stoppedReason). */
function isStoppingReason(reason: string): boolean {
  return reason === STOPPING_ON_REQUEST || reason.startsWith(STOPPING);
}

/** Scheduled -> Failed: the worker refused the task itself, so retrying elsewhere would fail the same way. */
export function fail(rec: TaskRecord, reason: string, nowIso: string): TaskRecord {
  assertTransition(rec.request.id, rec.state, TaskState.Failed);
  const lastExit = { reason, exitCode: rec.exitCode, at: nowIso };
  return { ...rec, state: TaskState.Failed, reason, lastExit, finishedAt: nowIso, updatedAt: nowIso };
}

/**
 * The user (or a service: scaled down, replaced) asked for a stop: desired state moves forward,
 * and a planned restart is dropped for good. `why` is said in the reason of a task still active,
 * as "stopping: why", until its worker says it has ended (then the reason is `why` itself; see
 * observe). An ended task keeps why it ended, less a restart it had planned (no longer true): the
 * stop did not end it, and "exited with code 1; stopped on request" said it had.
 */
export function requestStop(rec: TaskRecord, nowIso: string, why = ON_REQUEST): TaskRecord {
  const ended = rec.state === TaskState.Completed || rec.state === TaskState.Failed;
  const stopping = why === ON_REQUEST ? STOPPING_ON_REQUEST : `${STOPPING}${why}`;
  return {
    ...rec,
    desired: 'stopped',
    restartAt: null,
    reason: ended ? withoutRestartPlan(rec.reason) : stopping,
    updatedAt: nowIso,
  };
}

/**
 * Only why a task still waits changes: its reason, and whether no node could ever hold it
 * (`unplaceable`, from neverFits) or it waits for room (undefined).
 */
export function explainWait(
  rec: TaskRecord,
  reason: string,
  nowIso: string,
  unplaceable?: UnplaceableView,
): TaskRecord {
  const { unplaceable: _before, ...waiting } = rec;
  return unplaceable === undefined
    ? { ...waiting, reason, updatedAt: nowIso }
    : { ...waiting, reason, unplaceable, updatedAt: nowIso };
}

/** A restart is due at `atMs` (or none when null), with the reason saying so. */
export function planRestart(
  rec: TaskRecord,
  plan: { atMs: number | null; reason: string; resetBackoff: boolean },
): TaskRecord {
  return {
    ...rec,
    restartAt: plan.atMs,
    reason: plan.reason,
    failuresInRow: plan.resetBackoff ? 0 : rec.failuresInRow,
  };
}

/**
 * What the owning node reported, applied: the new record, or null when the report says nothing
 * new. A change of state the machine does not allow (a report overtaken by a later one) throws
 * InvalidTransition; the caller decides whether that is worth more than a debug line.
 */
export function observe(rec: TaskRecord, r: TaskReport, compact: Compactor, nowIso: string): TaskRecord | null {
  // a finished task's report repeats what is known; its restart plan is the manager's own
  if (r.state === rec.state && (r.state === TaskState.Completed || r.state === TaskState.Failed)) return null;
  if (r.state === rec.state && sameObservation(rec, r)) return null;
  // the worker's answer to a dispatch (Scheduled, "starting", no container yet) says nothing the
  // placement did not: one write per task fewer
  if (r.state === TaskState.Scheduled && rec.state === TaskState.Scheduled && r.containerId === null) return null;
  if (r.state !== rec.state) {
    // within one generation a copy only moves forward (Scheduled, Running, ended): a report that
    // says Scheduled (or Pending) again is older than what is known, overtaken on the way. Only
    // the manager makes a task Scheduled again, and that is a new generation.
    if (r.state === TaskState.Scheduled || r.state === TaskState.Pending) {
      throw new InvalidTransition(rec.request.id, rec.state, r.state);
    }
    assertTransition(rec.request.id, rec.state, r.state);
  }
  const next: TaskRecord = {
    ...rec,
    state: r.state,
    containerId: r.containerId,
    exitCode: r.exitCode,
    reason: compact.string(reasonOf(rec, r)),
    ports: compact.ports(r.ports),
    startedAt: compact.time(r.startedAt),
    finishedAt: compact.time(r.finishedAt),
    health: r.health === undefined ? rec.health : compact.health(r.health),
    lastExit: rec.lastExit,
    updatedAt: nowIso,
  };
  // a copy that ends here: why, kept through the restart and any wait for room that follow
  if (isActive(rec.state) && isTerminal(next.state)) {
    const at = next.finishedAt ?? nowIso;
    next.lastExit = { reason: next.reason, exitCode: next.exitCode, at, ...codeOf(r) };
  }
  // the address of this container; a report without one (an older worker, a stopped container) clears it
  if (r.address !== undefined && rec.address !== undefined) next.address = r.address;
  else if (r.address !== undefined || 'address' in next) return withAddress(next, r.address);
  return next;
}

/** A start that failed: its error code, for the last exit (a CLI's wait ends on a missing image). */
function codeOf(r: TaskReport): { errorCode?: string } {
  return r.errorCode === undefined ? {} : { errorCode: r.errorCode };
}

/**
 * The reason a report gives a task, but for one being stopped: it says why it stops until it has
 * ended, and why it stopped once its worker has stopped it ("stopped on request" there).
 */
function reasonOf(rec: TaskRecord, r: TaskReport): string {
  if (rec.desired !== 'stopped' || !isStoppingReason(rec.reason)) return r.reason;
  if (isActive(r.state)) return rec.reason;
  return r.reason === ON_REQUEST ? stoppedReason(rec) : r.reason;
}

/**
 * The record with `address` set, or left out when undefined, in an object of its own. Never by
 * adding the property to a spread copy or deleting it from one: V8 (Node 20) gives a `{ ...rec }`
 * copy that gains a property a hidden class of its own, and one that loses a property becomes a
 * hash table. Each task's first report with an address did that, so every task kept a hidden class,
 * its descriptors and an enum cache: about 0.9 KiB of the manager's memory per task. Object.assign
 * onto `{}` and a rest copy add the properties one by one, in the same order, so all tasks share
 * one hidden class per shape.
 */
function withAddress(rec: TaskRecord, address: string | undefined): TaskRecord {
  if (address !== undefined) return Object.assign({}, rec, { address });
  const { address: _cleared, ...rest } = rec;
  return rest;
}

function sameObservation(rec: TaskRecord, r: TaskReport): boolean {
  return (
    rec.reason === reasonOf(rec, r) &&
    rec.containerId === r.containerId &&
    rec.address === r.address &&
    rec.health.status === (r.health?.status ?? rec.health.status) &&
    rec.ports.length === r.ports.length &&
    rec.ports.every((p, i) => p.host === r.ports[i]?.host)
  );
}

/** The node a record charges resources to: its node while it holds (or is about to hold) a container. */
export function chargedNode(rec: TaskRecord): string | null {
  return rec.nodeId !== null && isActive(rec.state) ? rec.nodeId : null;
}
