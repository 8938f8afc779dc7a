import type { TaskRequest } from '../task/index.js';
import type { NodePool } from './node-pool.js';
import {
  DEFAULT_PROBES,
  DEFAULT_SAMPLE_SIZE,
  sampleChoice,
  sampleSelect,
  type SampleOptions,
} from './sample-select.js';
import { DEFAULT_SCHEDULER_SEED, seededRandom, type RandomSource } from './seeded-random.js';
import { select } from './select.js';
import { DEFAULT_FILTERS } from './strategies.js';
import type { Filter, NodeView, Placement, Scorer } from './types.js';

export interface SchedulerOptions {
  /** Feasible nodes placeIn scores per task; default DEFAULT_SAMPLE_SIZE (16). */
  sampleSize?: number;
  /** Random starting places for that sample; default DEFAULT_PROBES (2). */
  probes?: number;
  /** Where placeIn's samples come from; default seededRandom(DEFAULT_SCHEDULER_SEED), so runs replay. */
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
   * The fast path's decision alone (sampleSelect): O(k log n) per task on a NodePool, and the
   * pool is left as it was. For a caller that keeps the pool from its own books (the manager
   * charges a placed task where it records it, and the pool follows); anyone else wants placeIn.
   */
  chooseIn(pool: NodePool, task: TaskRequest): Placement {
    return sampleSelect(task, pool, this.filters, this.strategy, this.#sampling);
  }

  /**
   * The fast path (sampleSelect): O(k log n) per task on a NodePool, and on success the task
   * is reserved on its node in the pool, so the next placement sees it. An unplaceable task
   * gets select's Explanation.
   */
  placeIn(pool: NodePool, task: TaskRequest): Placement {
    const c = sampleChoice(task, pool, this.filters, this.strategy, this.#sampling);
    if (!c.ok) return c;
    pool.reserveNode(c.node, task);
    return { ok: true, nodeId: c.node.id, score: c.score };
  }
}
