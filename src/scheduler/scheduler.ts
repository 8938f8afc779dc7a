import type { TaskRequest } from '../task/index.js';
import { select } from './select.js';
import { DEFAULT_FILTERS } from './strategies.js';
import type { Filter, NodeView, Placement, Scorer } from './types.js';

/** A strategy and its filters, wired once; the manager holds one per process. */
export class Scheduler {
  constructor(
    readonly strategy: Scorer,
    readonly filters: readonly Filter[] = DEFAULT_FILTERS,
  ) {}

  place(task: TaskRequest, nodes: readonly NodeView[]): Placement {
    return select(task, nodes, this.filters, this.strategy);
  }
}
