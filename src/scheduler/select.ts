import type { TaskRequest } from '../task/index.js';
import type { ClosestMiss, Filter, NodeView, Placement, ResourceMeasure, Scorer } from './types.js';

/** Where a resource filter's best miss so far stands; one per filter, made on its first miss. */
interface MissTracker {
  measure: ResourceMeasure;
  reason: string;
  node: NodeView;
  free: number;
}

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
  const rejected = new Map<string, number>();
  let misses: (MissTracker | undefined)[] | undefined;
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
      rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
      const measure = filters[rejectedBy]?.measure;
      if (measure !== undefined) {
        misses ??= new Array<MissTracker | undefined>(filters.length);
        const free = measure.free(node);
        const miss = misses[rejectedBy];
        if (miss === undefined) misses[rejectedBy] = { measure, reason, node, free };
        else if (free > miss.free || (free === miss.free && node.id < miss.node.id)) {
          miss.reason = reason;
          miss.node = node;
          miss.free = free;
        }
      }
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
  const closestMiss = misses === undefined ? undefined : closestOf(misses, rejected, task);
  return {
    ok: false,
    explanation:
      closestMiss === undefined
        ? { taskName: task.name, evaluated: nodes.length, rejected }
        : { taskName: task.name, evaluated: nodes.length, rejected, closestMiss },
  };
}

/**
 * The miss to show a person: the one for the resource that rejected the most nodes, since
 * freeing that resource helps most; on a tie, the one whose filter runs first.
 */
function closestOf(
  misses: readonly (MissTracker | undefined)[],
  rejected: ReadonlyMap<string, number>,
  task: TaskRequest,
): ClosestMiss | undefined {
  let chosen: MissTracker | undefined;
  let chosenCount = 0;
  for (const miss of misses) {
    if (miss === undefined) continue;
    const count = rejected.get(miss.reason) ?? 0;
    if (count > chosenCount) {
      chosen = miss;
      chosenCount = count;
    }
  }
  if (chosen === undefined) return undefined;
  return {
    reason: chosen.reason,
    resource: chosen.measure.resource,
    needed: chosen.measure.needed(task),
    free: chosen.free,
    nodeId: chosen.node.id,
    nodeName: chosen.node.name,
  };
}
