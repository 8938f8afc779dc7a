import type { TaskRequest } from '../task/index.js';
import type { NodeView, Scorer } from './types.js';

/**
 * Hands tasks to feasible nodes in turn, in node id order, wrapping around.
 *
 * The cursor is the id of the last node chosen, not an index: an index shifts when a node joins,
 * leaves or is filtered out, so rotation would skip or repeat nodes; an id keeps its place in the
 * order whatever the feasible set is this time.
 *
 * A node after the cursor scores 1 and the rest 0. select breaks ties by the smaller node id, so
 * the winner is the first feasible node after the cursor, or, when none is after it, the first
 * feasible node overall (the wrap). select tells us the winner through placed().
 */
export class RoundRobinScorer implements Scorer {
  readonly name = 'roundrobin';
  #lastNodeId: string | undefined;

  score(_task: TaskRequest, node: NodeView): number {
    return this.#lastNodeId === undefined || node.id > this.#lastNodeId ? 1 : 0;
  }

  placed(_task: TaskRequest, node: NodeView): void {
    this.#lastNodeId = node.id;
  }

  /**
   * Scores are 1 after this id and 0 otherwise, as the Scorer contract for rotationCursor requires, so NodePool's index
   * can find the winner.
   */
  rotationCursor(): string | undefined {
    return this.#lastNodeId;
  }
}
