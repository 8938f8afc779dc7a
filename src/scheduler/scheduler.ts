import type { TaskRequest } from '../task/index.js';
import type { NodePool } from './node-pool.js';
import { DEFAULT_PROBES, DEFAULT_SAMPLE_SIZE, sampleSelect, type SampleOptions } from './sample-select.js';
import { DEFAULT_SCHEDULER_SEED, seededRandom, type RandomSource } from './seeded-random.js';
import { select } from './select.js';
import { DEFAULT_FILTERS } from './strategies.js';
import type { Filter, NodeView, Placement, Scorer } from './types.js';

export interface SchedulerOptions {
  /** Feasible nodes chooseIn scores per task; default DEFAULT_SAMPLE_SIZE (16). */
  sampleSize?: number;
  /** Random starting places for that sample; default DEFAULT_PROBES (2). */
  probes?: number;
  /** Where chooseIn's samples come from; default seededRandom(DEFAULT_SCHEDULER_SEED), so runs replay. */
  random?: RandomSource;
}

/** A strategy and its filters, wired once; the manager holds one per process. */
export class Scheduler {
  readonly #sampling: SampleOptions;

  constructor(
    readonly strategy: Scorer,
    readonly filters: readonly Filter[] = DEFAULT_FILTERS,
    options: SchedulerOptions = {},
  ) {
    const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
    if (!(Number.isInteger(sampleSize) && sampleSize >= 1))
      throw new RangeError(`sampleSize must be a whole number ≥ 1, got ${sampleSize}`);
    const probes = options.probes ?? DEFAULT_PROBES;
    if (!(Number.isInteger(probes) && probes >= 1))
      throw new RangeError(`probes must be a whole number ≥ 1, got ${probes}`);
    this.#sampling = { sampleSize, probes, random: options.random ?? seededRandom(DEFAULT_SCHEDULER_SEED) };
  }

  /** select over every node: exact, O(n). */
  place(task: TaskRequest, nodes: readonly NodeView[]): Placement {
    return select(task, nodes, this.filters, this.strategy);
  }

  /**
   * The fast path's decision (sampleSelect): O(k log n) per task on a NodePool, and the pool is
   * left as it was: the caller reserves the task where it records the placement (the manager
   * charges it in its books, and the pool follows). An unplaceable task gets select's Explanation.
   */
  chooseIn(pool: NodePool, task: TaskRequest): Placement {
    return sampleSelect(task, pool, this.filters, this.strategy, this.#sampling);
  }
}
