import type { TaskRequest } from '../task/index.js';
import type { ClosestMiss, NodeView, ResourceMeasure } from './types.js';

/** Where a resource's best miss so far stands; one per slot (a filter), made on its first miss. */
interface MissTracker {
  measure: ResourceMeasure;
  reason: string;
  node: NodeView;
  free: number;
}

/**
 * The nodes a scan rejected, counted per reason, and per resource the rejected node with the most
 * of it (measure.free), so an explanation can name the closest miss. `slot` tells the resources
 * apart (the index of the filter that rejected). Nothing is allocated per node except a map entry
 * per distinct reason.
 */
export class Rejections {
  readonly counts = new Map<string, number>();
  #misses: (MissTracker | undefined)[] | undefined;

  constructor(private readonly slots: number) {}

  add(node: NodeView, reason: string, slot: number, measure: ResourceMeasure | undefined): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    if (measure === undefined) return;
    this.#misses ??= new Array<MissTracker | undefined>(this.slots);
    const free = measure.free(node);
    const miss = this.#misses[slot];
    if (miss === undefined) this.#misses[slot] = { measure, reason, node, free };
    else if (free > miss.free || (free === miss.free && node.id < miss.node.id)) {
      miss.reason = reason;
      miss.node = node;
      miss.free = free;
    }
  }

  /**
   * The miss to show a person: the one for the resource that rejected the most nodes, since
   * freeing that resource helps most; on a tie, the one of the first slot. Undefined when no
   * resource rejected any.
   */
  closestMiss(task: TaskRequest): ClosestMiss | undefined {
    let chosen: MissTracker | undefined;
    let chosenCount = 0;
    for (const miss of this.#misses ?? []) {
      if (miss === undefined) continue;
      const count = this.counts.get(miss.reason) ?? 0;
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
}
