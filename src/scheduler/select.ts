import type { TaskRequest } from '../task/index.js';
import { Rejections } from './rejections.js';
import type { Filter, NodeView, Placement, Scorer } from './types.js';

/**
 * Picks the node for a task: each node goes through `filters` in order until one rejects it; the
 * nodes that pass all of them are ranked by `scorer` and the highest score wins. Equal scores go
 * to the smaller node id (string order), so the result depends only on the inputs, not on the
 * order of `nodes`; round-robin relies on this rule.
 *
 * Pure apart from one call: on success it tells the scorer the chosen node (scorer.placed).
 * Nothing is allocated per node except a map entry per distinct rejection reason.
 */
export function select(
  task: TaskRequest,
  nodes: readonly NodeView[],
  filters: readonly Filter[],
  scorer: Scorer,
): Placement {
  const rejections = new Rejections(filters.length);
  let best: NodeView | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;

  for (const node of nodes) {
    let reason: string | null = null;
    let rejectedBy = 0; // index into filters, meaningful when reason !== null
    for (const filter of filters) {
      reason = filter.reject(task, node);
      if (reason !== null) break;
      rejectedBy += 1;
    }

    if (reason !== null) {
      rejections.add(node, reason, rejectedBy, filters[rejectedBy]?.measure);
      continue;
    }

    const score = scorer.score(task, node);
    if (best === undefined || score > bestScore || (score === bestScore && node.id < best.id)) {
      best = node;
      bestScore = score;
    }
  }

  if (best !== undefined) {
    scorer.placed?.(task, best);
    return { ok: true, nodeId: best.id, score: bestScore };
  }
  const rejected = rejections.counts;
  const closestMiss = rejections.closestMiss(task);
  return {
    ok: false,
    explanation:
      closestMiss === undefined
        ? { taskName: task.name, evaluated: nodes.length, rejected }
        : { taskName: task.name, evaluated: nodes.length, rejected, closestMiss },
  };
}
