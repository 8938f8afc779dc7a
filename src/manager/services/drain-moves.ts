import { isActive } from '../../task/index.js';
import type { TaskRecord } from '../records.js';
import { isLive, isReady, slotOf, versionOf } from './replica-state.js';

/** What draining nodes asks of one service: replacements to start, and replicas to stop once replaced. */
export interface DrainMoves {
  /** Slots whose only live task runs on a drained node: each gets a new task (placed on another node). */
  create: number[];
  /** Replicas on a drained node whose slot has a ready task elsewhere. */
  stop: Array<{ taskId: string; reason: string }>;
}

/**
 * Start-first moves off drained nodes, as a start-first rolling update moves slots: a slot whose
 * live task runs (or is being started) on a drained node gets a new task first, placed elsewhere
 * since a drained node takes no new work; the task on the drained node stops only once the new
 * one is ready (running, and healthy when it has a health check), so the slot never goes dark.
 * A replacement that fits nowhere waits Pending with its reason, and the replica keeps serving
 * where it is meanwhile. Pure: the service's tasks, the drained nodes, and the slots and tasks
 * this step already handles (`skipSlots`, `skipTasks`: a rollout's, a scale-down's) in.
 */
export function drainMoves(
  tasks: readonly TaskRecord[],
  wanted: ReadonlySet<number>,
  drained: ReadonlySet<string>,
  nodeName: (nodeId: string) => string,
  skipSlots: ReadonlySet<number>,
  skipTasks: ReadonlySet<string>,
): DrainMoves {
  const out: DrainMoves = { create: [], stop: [] };
  if (drained.size === 0) return out;
  for (const [slot, live] of liveBySlot(tasks, wanted, skipTasks)) {
    const onDrained = (t: TaskRecord): boolean => t.nodeId !== null && drained.has(t.nodeId) && isActive(t.state);
    const here = live.filter(onDrained);
    const elsewhere = live.filter((t) => !onDrained(t));
    if (here.length === 0 || skipSlots.has(slot)) continue;
    const ready = elsewhere.find(isReady);
    if (ready !== undefined) {
      for (const t of here) {
        const node = nodeName(t.nodeId as string);
        out.stop.push({ taskId: t.request.id, reason: `node ${node} drained: replaced by ${ready.request.name}` });
      }
    } else if (elsewhere.length === 0) out.create.push(slot);
    // else: its replacement is on its way; the replica here keeps serving until it is ready
  }
  return out;
}

/**
 * A drain's move that the drain no longer asks for: the node was activated (or removed) while a
 * slot's replacement waited or started, so the slot has two live tasks of one version and no
 * drained node keeps either. Left alone, both would run for good (seen: after `node activate`,
 * the replacement of a replica held by its volume started beside it on the same node). Once the
 * newest is ready the others stop, as the move would have done; while it is not placed yet and an
 * older one serves, the newest stops instead (nothing to move any more). A newest that is placed
 * and starting is waited for. Slots with a task on a drained node are drainMoves', and two
 * versions in one slot are a rollout's.
 */
export function leftoverMoves(
  tasks: readonly TaskRecord[],
  wanted: ReadonlySet<number>,
  drained: ReadonlySet<string>,
  skipSlots: ReadonlySet<number>,
  skipTasks: ReadonlySet<string>,
): Array<{ taskId: string; reason: string }> {
  const stop: Array<{ taskId: string; reason: string }> = [];
  for (const [slot, list] of liveBySlot(tasks, wanted, skipTasks)) {
    if (skipSlots.has(slot) || list.length < 2 || new Set(list.map(versionOf)).size > 1) continue;
    if (list.some((t) => t.nodeId !== null && drained.has(t.nodeId))) continue;
    const byAge = [...list].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
    const newest = byAge[byAge.length - 1] as TaskRecord;
    const older = byAge.slice(0, -1);
    if (isReady(newest)) {
      for (const t of older)
        stop.push({
          taskId: t.request.id,
          reason: `a drain since lifted moved slot ${slot}: replaced by ${newest.request.id.slice(0, 8)}`,
        });
    } else if (newest.nodeId === null && older.some(isReady)) {
      stop.push({
        taskId: newest.request.id,
        reason: `a drain since lifted wanted slot ${slot} moved: not needed any more`,
      });
    }
  }
  return stop;
}

/**
 * The tasks leftoverMoves stops that are not placed yet: a drain's replacement whose drain was
 * lifted before it was placed. Nothing is to place them meanwhile: a pass may place before the
 * service step has looked at the lifted drain (the node was activated between the two), and a
 * replacement placed then would be waited for and the replica it was to replace stopped, a
 * restart for nothing. Pure, as leftoverMoves.
 */
export function unplacedLeftovers(
  tasks: readonly TaskRecord[],
  wanted: ReadonlySet<number>,
  drained: ReadonlySet<string>,
): Set<string> {
  const none = new Set<never>();
  const unplaced = new Set(tasks.filter((t) => t.nodeId === null).map((t) => t.request.id));
  return new Set(
    leftoverMoves(tasks, wanted, drained, none, none)
      .map((s) => s.taskId)
      .filter((id) => unplaced.has(id)),
  );
}

/** The live tasks of the wanted slots, by slot, lowest slot first; `skipTasks` left out. */
function liveBySlot(
  tasks: readonly TaskRecord[],
  wanted: ReadonlySet<number>,
  skipTasks: ReadonlySet<string>,
): Array<[number, TaskRecord[]]> {
  const bySlot = new Map<number, TaskRecord[]>();
  for (const t of tasks) {
    const slot = slotOf(t);
    if (!isLive(t) || skipTasks.has(t.request.id) || !wanted.has(slot)) continue;
    let list = bySlot.get(slot);
    if (list === undefined) bySlot.set(slot, (list = []));
    list.push(t);
  }
  return [...bySlot].sort((a, b) => a[0] - b[0]);
}
