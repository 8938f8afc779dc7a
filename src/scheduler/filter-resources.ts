import type { TaskRequest } from '../task/index.js';
import type { Filter, NodeView, ResourceMeasure } from './types.js';

// One filter per resource, so an explanation says which one ran out. A request of 0 means
// "no reservation" and fits any node, even one that is over-allocated.

export const NOT_ENOUGH_CPU = 'not enough free cpu';
export const NOT_ENOUGH_MEMORY = 'not enough free memory';
export const NOT_ENOUGH_DISK = 'not enough free disk';

// Fractional cores add up with rounding error (0.1 + 0.2 > 0.3), which must not turn an exact
// fit into a miss. Bytes are integers and compare exactly.
const CPU_EPSILON_CORES = 1e-9;

const cpuMeasure: ResourceMeasure = {
  resource: 'cpu',
  needed: (task: TaskRequest) => task.cpuCores,
  free: (node: NodeView) => node.capacity.cpuCores - node.allocated.cpuCores,
};
const memoryMeasure: ResourceMeasure = {
  resource: 'memory',
  needed: (task: TaskRequest) => task.memoryBytes,
  free: (node: NodeView) => node.capacity.memoryBytes - node.allocated.memoryBytes,
};
const diskMeasure: ResourceMeasure = {
  resource: 'disk',
  needed: (task: TaskRequest) => task.diskBytes,
  free: (node: NodeView) => node.capacity.diskBytes - node.allocated.diskBytes,
};

export const cpuFilter: Filter = {
  name: 'cpu',
  measure: cpuMeasure,
  reject: (task, node) =>
    task.cpuCores <= 0 || task.cpuCores <= cpuMeasure.free(node) + CPU_EPSILON_CORES ? null : NOT_ENOUGH_CPU,
};

export const memoryFilter: Filter = {
  name: 'memory',
  measure: memoryMeasure,
  reject: (task, node) =>
    task.memoryBytes <= 0 || task.memoryBytes <= memoryMeasure.free(node) ? null : NOT_ENOUGH_MEMORY,
};

export const diskFilter: Filter = {
  name: 'disk',
  measure: diskMeasure,
  reject: (task, node) => (task.diskBytes <= 0 || task.diskBytes <= diskMeasure.free(node) ? null : NOT_ENOUGH_DISK),
};

/**
 * Cores to the engine's own grain (NanoCpus), for every sum of charged cores (the manager's books
 * and the pool's copy alike, so the two stay equal to the bit): sums of tenths in binary floating
 * point drift (0.1 + 0.2 - 0.3 leaves 5.6e-17 behind), and a node with nothing left charged would
 * show it.
 */
export function nanoCores(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}
