import type { NodePool, Placement, Scheduler } from '../src/scheduler/index.js';
import type { TaskRequest } from '../src/task/index.js';

/**
 * The fast path as a caller with no books of its own uses it: the scheduler's choice on the pool
 * (Scheduler.chooseIn), and on success the task reserved on that node, so the next placement
 * sees it. The manager does the same through its cluster pool; tests and benchmarks use this.
 */
export function placeIn(scheduler: Scheduler, pool: NodePool, task: TaskRequest): Placement {
  const placement = scheduler.chooseIn(pool, task);
  if (placement.ok) pool.reserve(placement.nodeId, task);
  return placement;
}
