import type { TaskRequest } from '../task/index.js';
import type { NodeView, Scorer } from './types.js';

/**
 * Spreads a service's replicas: the node with the fewest replicas of the service first, the
 * strategy's score between nodes with as many. `replicasOn` counts the service's replicas on a
 * node now. The strategy's score (any real number) is squashed into (0, 1) in order, so one
 * replica more always outweighs it.
 */
export function spreadScorer(replicasOn: (nodeId: string) => number, strategy: Scorer): Scorer {
  return {
    name: `spread+${strategy.name}`,
    score: (task: TaskRequest, node: NodeView): number =>
      -replicasOn(node.id) + (0.5 + Math.atan(strategy.score(task, node)) / Math.PI) * 0.999,
    placed: (task: TaskRequest, node: NodeView): void => strategy.placed?.(task, node),
  };
}
