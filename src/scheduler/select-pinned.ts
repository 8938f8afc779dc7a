import type { TaskRequest } from '../task/index.js';
import { select } from './select.js';
import type { Filter, NodeView, Placement, Scorer } from './types.js';

/** Why a pinned task waits when its node is not in the pool: it left the cluster (or has not joined). */
export const NODE_NOT_IN_CLUSTER = 'node not in the cluster';

/**
 * A task pinned to one node (TaskRequest.pinnedNodeId: a global service's replica, which Swarm's
 * global orchestrator also gives its node): only that node is looked at, by the same filters, so
 * the explanation is about it alone ("waiting for node w2 (down)"), never about the nodes it was
 * never meant for. `node` is the pinned node's view, undefined when the pool has none.
 */
export function selectPinned(
  task: TaskRequest,
  nodeId: string,
  node: NodeView | undefined,
  filters: readonly Filter[],
  scorer: Scorer,
): Placement {
  if (node === undefined)
    return {
      ok: false,
      explanation: {
        taskName: task.name,
        evaluated: 1,
        rejected: new Map([[NODE_NOT_IN_CLUSTER, 1]]),
        pinnedTo: nodeId,
      },
    };
  const p = select(task, [node], filters, scorer);
  return p.ok ? p : { ok: false, explanation: { ...p.explanation, pinnedTo: node.name } };
}
