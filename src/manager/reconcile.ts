import type { NodeState } from '../api/index.js';
import { isActive, isTerminal, TaskState } from '../task/index.js';
import type { TaskRecord } from './records.js';

export type Action =
  | { kind: 'place'; taskId: string }
  | { kind: 'dispatch'; taskId: string; nodeId: string }
  | { kind: 'stop'; taskId: string; nodeId: string }
  | { kind: 'cancel'; taskId: string }
  | { kind: 'mark-lost'; taskId: string; nodeId: string }
  /** An exclusive task on a node that is down: it stays, with why, until its copy is known gone. */
  | { kind: 'hold'; taskId: string; nodeId: string }
  /** A plain task on a drained node: placed elsewhere, and its copy there stopped. */
  | { kind: 'evict'; taskId: string; nodeId: string }
  /** An exclusive plain task on a drained node: it stays, with why (moving it could run it twice). */
  | { kind: 'hold-drained'; taskId: string; nodeId: string }
  | { kind: 'restart'; taskId: string; preferNodeId: string | null }
  | { kind: 'wake-at'; taskId: string; atMs: number };

export interface ClusterSnapshot {
  /**
   * The tasks to decide on. The manager passes only those whose inputs changed since its last
   * pass (plus the waiting ones when capacity grew), and every task on its periodic sweep; each
   * task's decision depends only on its own record and the maps below, so a subset is decided
   * exactly as it would be among all tasks.
   */
  tasks: ReadonlyMap<string, TaskRecord>;
  nodeStates: ReadonlyMap<string, NodeState>;
  /** When each Scheduled task was last dispatched (epoch ms). */
  dispatchedAt: ReadonlyMap<string, number>;
  /** Tasks with a stop call in flight. */
  stopping: ReadonlySet<string>;
  /**
   * Nodes an operator drained. Their plain tasks are moved here; a service's replicas are the
   * service orchestrator's, which starts each elsewhere before it stops the one here. Absent: none.
   */
  drained?: ReadonlySet<string>;
}

/** A Scheduled task not confirmed by its worker after this long is dispatched again (idempotent). */
export const DISPATCH_RETRY_MS = 5_000;

/**
 * Compares desired with observed state and says what to do. Pure: no I/O, no clock (time
 * comes in as `nowMs`), so every rule is tested with plain objects.
 */
export function reconcile(s: ClusterSnapshot, nowMs: number): Action[] {
  const actions: Action[] = [];
  for (const [taskId, t] of s.tasks) {
    const nodeState = t.nodeId === null ? undefined : s.nodeStates.get(t.nodeId);
    if (t.desired === 'stopped') {
      if (t.state === TaskState.Pending) actions.push({ kind: 'cancel', taskId });
      else if (isActive(t.state) && t.nodeId !== null && !s.stopping.has(taskId)) {
        // a node that is down cannot be asked; its copy is stopped when it reports again. A removed
        // node (undefined) never reports again (its worker stops everything as it hears of it)
        if (nodeState === 'Down' || nodeState === undefined) actions.push({ kind: 'cancel', taskId });
        else actions.push({ kind: 'stop', taskId, nodeId: t.nodeId });
      }
      continue;
    }
    if (isTerminal(t.state)) {
      // restart policy: the due time was decided when the exit was seen; never sleep in here
      if (t.restartAt !== null) {
        if (nowMs >= t.restartAt)
          actions.push({ kind: 'restart', taskId, preferNodeId: nodeState === 'Up' ? t.nodeId : null });
        else actions.push({ kind: 'wake-at', taskId, atMs: t.restartAt });
      }
    } else if (t.state === TaskState.Pending) {
      actions.push({ kind: 'place', taskId });
    } else if (isActive(t.state) && t.nodeId !== null) {
      // a removed node (undefined) is gone for good; a node that is down may come back
      if (nodeState === 'Down' && t.request.exclusive === true)
        actions.push({ kind: 'hold', taskId, nodeId: t.nodeId });
      else if (nodeState === 'Down' || nodeState === undefined)
        actions.push({ kind: 'mark-lost', taskId, nodeId: t.nodeId });
      else if (s.drained?.has(t.nodeId) === true && t.service === undefined)
        actions.push({ kind: t.request.exclusive === true ? 'hold-drained' : 'evict', taskId, nodeId: t.nodeId });
      else if (
        t.state === TaskState.Scheduled &&
        nodeState === 'Up' &&
        nowMs - (s.dispatchedAt.get(taskId) ?? 0) >= DISPATCH_RETRY_MS
      ) {
        actions.push({ kind: 'dispatch', taskId, nodeId: t.nodeId });
      }
    }
  }
  return actions;
}
