import type { EpvmScorer, NodeView } from '../src/scheduler/index.js';

// How well a run of placements spread the load: the figures the `schedule` benchmark compares
// between E-PVM's full scan and its fast path. Only up nodes count (a down node gets nothing).

export interface Spread {
  /** Up nodes measured. */
  nodes: number;
  /** Mean memory utilization (allocated / capacity), 0..1. */
  meanMemory: number;
  /** The fullest node's memory utilization, 0..1: the hot spot E-PVM exists to avoid. */
  peakMemory: number;
  /** peakMemory / meanMemory; 1 is a perfectly even spread. */
  peakToMeanMemory: number;
  /** Coefficient of variation (standard deviation / mean) of memory utilization. */
  cvMemory: number;
  /** Coefficient of variation of the task count per node. */
  cvTasks: number;
  /** The opportunity cost E-PVM minimizes, summed over nodes: Σ_r (b^u_r − 1) with E-PVM's own u for cpu, memory and tasks. */
  epvmCost: number;
}

export function spreadOf(nodes: readonly NodeView[], epvm: EpvmScorer): Spread {
  const up = nodes.filter((n) => n.up);
  const memory = up.map((n) => (n.capacity.memoryBytes > 0 ? n.allocated.memoryBytes / n.capacity.memoryBytes : 0));
  const tasks = up.map((n) => n.taskCount);
  const meanMemory = mean(memory);
  const peakMemory = Math.max(...memory);
  let epvmCost = 0;
  for (const n of up) {
    const cpu = Math.max(
      n.capacity.cpuCores > 0 ? n.allocated.cpuCores / n.capacity.cpuCores : 0,
      Math.min(1, Math.max(0, n.cpuUsage ?? 0)),
    );
    const mem = n.capacity.memoryBytes > 0 ? n.allocated.memoryBytes / n.capacity.memoryBytes : 0;
    epvmCost += epvm.base ** cpu - 1 + (epvm.base ** mem - 1) + (epvm.base ** (n.taskCount / epvm.maxTasksPerNode) - 1);
  }
  return {
    nodes: up.length,
    meanMemory,
    peakMemory,
    peakToMeanMemory: peakMemory / meanMemory,
    cvMemory: deviation(memory) / meanMemory,
    cvTasks: deviation(tasks) / mean(tasks),
    epvmCost,
  };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function deviation(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}
