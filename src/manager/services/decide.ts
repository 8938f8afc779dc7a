import type { TaskRecord } from '../records.js';
import { gaveUp, isLive, slotOf, StopList } from './replica-state.js';
import { isRolling, wantedSlots, type ServiceRecord } from './service-record.js';
import { stepRollout, type RolloutEvent, type RoomHeldByOld } from './rollout.js';
import { drainMoves, leftoverMoves } from './drain-moves.js';

/** Drained nodes (`poseidon node drain`) and their names, for the reasons replicas stop with. */
export interface DrainedNodes {
  nodes: ReadonlySet<string>;
  nodeName(nodeId: string): string;
}

const NO_DRAIN: DrainedNodes = { nodes: new Set(), nodeName: (id) => id };

/**
 * A task its restart policy gave up on is replaced this long after it ended, not at once: a
 * template that exits at once under `never` would otherwise make a new task record per start.
 */
export const REPLACE_DELAY_MS = 2_000;

/** What one look at a service decided; ServiceOrchestrator writes it in one commit. */
export interface ServiceDecision {
  /** The service record to write: the rollout moved (or a rollback began); null when unchanged. */
  record: ServiceRecord | null;
  /** Slots that get a new task, of the (new) record's version. */
  create: number[];
  /** Tasks to stop, each with the reason it shows. */
  stop: Array<{ taskId: string; reason: string }>;
  events: RolloutEvent[];
  /** When to look again though nothing else changes (a monitor, a delay, the deadline); null: no need. */
  wakeAtMs: number | null;
}

/**
 * The service orchestrator's decision for one service: one live task in each wanted slot
 * (1..replicas, or a global service's nodes' slots: wantedSlots), and the rollout moved on. Pure:
 * the service record, its tasks (every task of the service that is wanted running or still holds
 * a container), since when each ready task has been ready, and the time, in; what to do out.
 *
 * - a task whose restart policy gave up is retired REPLACE_DELAY_MS after it ended, and its slot
 *   gets a new one (a lost task is the task machinery's: it waits Pending for a node, and stays
 *   the slot's task);
 * - tasks of slots not wanted are stopped, highest slot first, with the reason in `left` for a global
 *   service's slot (its node was drained, left, or stopped meeting a constraint);
 * - the rollout (rollout.ts) starts and stops tasks of slots it moves to the new version (a start-first
 *   slot whose new task has no room while its old one holds it goes stop-first: `roomHeldByOld`);
 * - every other slot without a live task gets one of the current version, except a slot whose
 *   stop-first update still waits for its old task to end;
 * - a replica on a drained node is replaced start-first (drain-moves.ts), and a move the drain no
 *   longer asks for (the node was activated meanwhile) ends with one task in the slot.
 */
export function decideService(
  rec: ServiceRecord,
  tasks: readonly TaskRecord[],
  readySince: ReadonlyMap<string, number>,
  nowMs: number,
  nowIso: string,
  drain: DrainedNodes = NO_DRAIN,
  left: ReadonlyMap<number, string> = new Map(),
  roomHeldByOld?: RoomHeldByOld,
): ServiceDecision {
  const stops = new StopList();
  const out: ServiceDecision = { record: null, create: [], stop: stops.list, events: [], wakeAtMs: null };
  const stopped = stops.ids;
  const stop = (t: TaskRecord, reason: string): void => stops.add(t, reason);
  const wanted = new Set(wantedSlots(rec));
  const waiting = new Set<number>(); // slots whose given-up task is not replaced yet
  const wakes: number[] = [];
  const liveSlots = new Set(tasks.filter(isLive).map(slotOf));
  for (const t of tasks) {
    if (!gaveUp(t)) continue;
    const dueMs = Date.parse(t.finishedAt ?? t.updatedAt) + REPLACE_DELAY_MS;
    // retired at once when its slot has another task anyway (or is gone)
    if (nowMs >= dueMs || !wanted.has(slotOf(t)) || liveSlots.has(slotOf(t)))
      stop(t, 'replaced: its restart policy gave up');
    else {
      waiting.add(slotOf(t));
      wakes.push(dueMs);
    }
  }
  const extra = tasks.filter((t) => isLive(t) && !wanted.has(slotOf(t))).sort((a, b) => slotOf(b) - slotOf(a));
  for (const t of extra)
    stop(
      t,
      rec.spec.replicas !== undefined
        ? `scaled down to ${rec.spec.replicas}`
        : (left.get(slotOf(t)) ?? 'its node takes no replica of the service any more'),
    );

  let current = rec;
  if (isRolling(rec.update)) {
    const step = stepRollout(rec, tasks, readySince, nowMs, nowIso, roomHeldByOld);
    current = step.record ?? rec;
    out.record = step.record;
    for (const s of step.stop) {
      const t = tasks.find((x) => x.request.id === s.taskId);
      if (t !== undefined) stop(t, s.reason);
    }
    out.create.push(...step.create);
    out.events.push(...step.events);
    if (step.wakeAtMs !== null) wakes.push(step.wakeAtMs);
  }
  out.wakeAtMs = wakes.length === 0 ? null : Math.min(...wakes);

  const occupied = new Set<number>([...out.create, ...waiting]);
  const leaving = new Set<number>(); // slots with a task still on its way out
  for (const t of tasks) {
    if (isLive(t) && !stopped.has(t.request.id)) occupied.add(slotOf(t));
    else if (t.desired === 'stopped' || stopped.has(t.request.id)) leaving.add(slotOf(t));
  }
  const stopFirst = isRolling(current.update) && current.update.config.order === 'stop-first';
  // a slot's named volume is its data directory: a new task of the slot waits for one leaving it
  // (stopped, scaled down and up again, or of a service of the same name removed just before) to end
  const ownData = (current.spec.task.volumes ?? []).some((v) => v.name !== undefined);
  const slots = wantedSlots(current);
  for (const slot of slots) {
    if (occupied.has(slot)) continue;
    // stop-first: the old task of the slot ends before the new one starts (its ports, its volume)
    if ((stopFirst || ownData) && leaving.has(slot) && holdsContainer(tasks, slot, stopped)) continue;
    out.create.push(slot);
  }
  const moves = drainMoves(tasks, new Set(slots), drain.nodes, drain.nodeName, new Set(out.create), stopped);
  for (const s of moves.stop) {
    const t = tasks.find((x) => x.request.id === s.taskId);
    if (t !== undefined) stop(t, s.reason);
  }
  out.create.push(...moves.create);
  for (const s of leftoverMoves(tasks, new Set(slots), drain.nodes, new Set(out.create), stopped)) {
    const t = tasks.find((x) => x.request.id === s.taskId);
    if (t !== undefined) stop(t, s.reason);
  }
  return out;
}

/** Whether a task of the slot that is leaving still holds (or is about to hold) a container. */
function holdsContainer(tasks: readonly TaskRecord[], slot: number, stopped: ReadonlySet<string>): boolean {
  return tasks.some(
    (t) =>
      slotOf(t) === slot &&
      (t.desired === 'stopped' || stopped.has(t.request.id)) &&
      (t.state === 'Scheduled' || t.state === 'Running'),
  );
}
