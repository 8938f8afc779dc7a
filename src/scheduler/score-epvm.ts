import type { TaskRequest } from '../task/index.js';
import type { NodeView, Scorer } from './types.js';

/*
 * E-PVM, after Amir, Awerbuch, Barak, Borgstrom and Keren, "An Opportunity Cost Approach for Job
 * Assignment in a Scalable Computing Cluster", IEEE TPDS 11(7), 2000.
 *
 * Each resource r of a node costs cost_r(u) = b^u - 1, where u is the node's utilization of r
 * (0 empty, 1 full). The cost of placing the task on a node is how much the node's total cost
 * rises:
 *
 *   marginal = Σ_r [ b^(u_r + d_r) - b^(u_r) ]      (the -1s cancel)
 *   score    = -marginal                            (the smallest rise wins)
 *
 * with three resources:
 *   cpu:    u = max(allocated cores / capacity, measured cpuUsage), d = request / capacity;
 *           a request of 0 cores counts as ZERO_CPU_REQUEST_CORES, so tasks without requests
 *           still spread by cpu instead of all landing on one node.
 *   memory: u = allocated bytes / capacity, d = request / capacity.
 *   tasks:  u = taskCount / maxTasksPerNode, d = 1 / maxTasksPerNode.
 *
 * Because the cost is exponential, the same step d costs more on a busier node
 * (b^(u+d) - b^u = b^u (b^d - 1)), which is what steers work away from hot spots. The cpu term
 * must add the task's own cpu to u: a known implementation computes "before" and "after" from the
 * same cpu figure, so its cpu term is always 0 and only memory decides.
 *
 * Why measured usage counts for cpu and not for memory: memory requests are hard limits given to
 * Docker, so allocation is what a node has promised; cpu is shared, so a node busy with work its
 * requests do not show really is a worse place for more.
 *
 * The base: in the paper b grows with the number of machines n, so one full resource costs about
 * as much as a little load on every other machine. Here b is fixed per scorer
 * (DEFAULT_EPVM_BASE = 16, i.e. 2n for the 8-node clusters Poseidon aims at): a node's
 * score then depends only on that node, so it does not shift when other nodes join, leave or are
 * filtered out, and it stays a pure function of (task, node). A manager that wants the paper's
 * scaling passes { base: 2 * nodeCount }.
 */

export const DEFAULT_EPVM_BASE = 16;
export const DEFAULT_MAX_TASKS_PER_NODE = 100;
/** The cpu a task without a cpu request is assumed to use, in cores. */
export const ZERO_CPU_REQUEST_CORES = 0.1;

export interface EpvmOptions {
  /** Base b of the exponential cost; must be > 1. Default DEFAULT_EPVM_BASE. */
  base?: number;
  /** The task count at which a node counts as full of tasks; must be > 0. Default DEFAULT_MAX_TASKS_PER_NODE. */
  maxTasksPerNode?: number;
}

/** The per-resource rises that make up a marginal cost; exported so a person (or a test) can see the parts. */
export interface EpvmCost {
  cpu: number;
  memory: number;
  tasks: number;
  total: number;
}

export class EpvmScorer implements Scorer {
  readonly name = 'epvm';
  readonly base: number;
  readonly maxTasksPerNode: number;
  /** ln b, so b^x is exp(x · ln b). */
  readonly #lnBase: number;
  /** b^(1/maxTasksPerNode) - 1: every task is the same step in the task-count term. */
  readonly #taskStep: number;

  constructor(options: EpvmOptions = {}) {
    this.base = options.base ?? DEFAULT_EPVM_BASE;
    this.maxTasksPerNode = options.maxTasksPerNode ?? DEFAULT_MAX_TASKS_PER_NODE;
    // A programming error, not user input: the manager validates its configuration first.
    if (!(this.base > 1)) throw new RangeError(`epvm base must be > 1, got ${this.base}`);
    if (!(this.maxTasksPerNode > 0))
      throw new RangeError(`epvm maxTasksPerNode must be > 0, got ${this.maxTasksPerNode}`);
    this.#lnBase = Math.log(this.base);
    this.#taskStep = Math.expm1(this.#lnBase / this.maxTasksPerNode);
  }

  score(task: TaskRequest, node: NodeView): number {
    return -this.marginalCost(task, node);
  }

  /** How much the node's total cost rises if the task is placed on it. */
  marginalCost(task: TaskRequest, node: NodeView): number {
    return this.#cpuRise(task, node) + this.#memoryRise(task, node) + this.#tasksRise(node);
  }

  /** marginalCost split by resource, for a person (or a test) to read; allocates, so not for select's loop. */
  costParts(task: TaskRequest, node: NodeView): EpvmCost {
    const cpu = this.#cpuRise(task, node);
    const memory = this.#memoryRise(task, node);
    const tasks = this.#tasksRise(node);
    return { cpu, memory, tasks, total: cpu + memory + tasks };
  }

  #cpuRise(task: TaskRequest, node: NodeView): number {
    const cores = task.cpuCores > 0 ? task.cpuCores : ZERO_CPU_REQUEST_CORES;
    const before = Math.max(share(node.allocated.cpuCores, node.capacity.cpuCores), measuredShare(node.cpuUsage));
    return this.#rise(before, share(cores, node.capacity.cpuCores));
  }

  #memoryRise(task: TaskRequest, node: NodeView): number {
    const { allocated, capacity } = node;
    return this.#rise(
      share(allocated.memoryBytes, capacity.memoryBytes),
      share(task.memoryBytes, capacity.memoryBytes),
    );
  }

  #tasksRise(node: NodeView): number {
    return Math.exp((node.taskCount / this.maxTasksPerNode) * this.#lnBase) * this.#taskStep;
  }

  /**
   * cost(u + d) - cost(u), computed as b^u · (b^d - 1). Subtracting b^u from b^(u+d) would
   * cancel most digits when d is small (16 MiB on a 256 GiB node is d ≈ 6e-5), and expm1 keeps
   * them; it is also two transcendental calls where the subtraction needs two powers.
   */
  #rise(u: number, d: number): number {
    return d === 0 ? 0 : Math.exp(u * this.#lnBase) * Math.expm1(d * this.#lnBase);
  }
}

/**
 * amount / capacity. A node that reports no capacity of a resource counts as full, and any
 * amount of it as a whole node's worth, so it is the most expensive place rather than a division by 0.
 */
function share(amount: number, capacity: number): number {
  if (capacity > 0) return amount / capacity;
  return amount > 0 ? 1 : 0;
}

/** A measured fraction from a heartbeat: missing or garbage counts as 0, and it is clamped to 0..1. */
function measuredShare(usage: number | undefined): number {
  if (usage === undefined || !Number.isFinite(usage)) return 0;
  return Math.min(1, Math.max(0, usage));
}
