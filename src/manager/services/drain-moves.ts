import { isActive } from '../../task/index.js';
import type { TaskRecord } from '../records.js';
import { isLive, isReady, slotOf } from './replica-state.js';

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
  replicas: number,
  drained: ReadonlySet<string>,
  nodeName: (nodeId: string) => string,
  skipSlots: ReadonlySet<number>,
  skipTasks: ReadonlySet<string>,
): DrainMoves {
  const out: DrainMoves = { create: [], stop: [] };
  if (drained.size === 0) return out;
  const bySlot = new Map<number, { here: TaskRecord[]; elsewhere: TaskRecord[] }>();
  for (const t of tasks) {
    const slot = slotOf(t);
    if (!isLive(t) || skipTasks.has(t.request.id) || slot < 1 || slot > replicas) continue;
    let entry = bySlot.get(slot);
    if (entry === undefined) bySlot.set(slot, (entry = { here: [], elsewhere: [] }));
    const onDrained = t.nodeId !== null && drained.has(t.nodeId) && isActive(t.state);
    (onDrained ? entry.here : entry.elsewhere).push(t);
  }
  for (const [slot, { here, elsewhere }] of [...bySlot].sort((a, b) => a[0] - b[0])) {
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
