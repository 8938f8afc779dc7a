import { constraintsFilter } from './filter-constraints.js';
import { nodeUpFilter } from './filter-node-up.js';
import { portsFilter } from './filter-ports.js';
import { cpuFilter, diskFilter, memoryFilter } from './filter-resources.js';
import { hostPathFilter } from './filter-volumes.js';
import { capabilityFilter } from './filter-capabilities.js';
import { specFieldsFilter } from './filter-spec-fields.js';
import { EpvmScorer } from './score-epvm.js';
import { RoundRobinScorer } from './score-roundrobin.js';
import type { Filter, Scorer } from './types.js';

export const STRATEGY_NAMES = ['roundrobin', 'epvm'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** A new scorer each call: round-robin's cursor belongs to one manager, never shared. */
export function strategyByName(name: StrategyName): Scorer {
  switch (name) {
    case 'roundrobin':
      return new RoundRobinScorer();
    case 'epvm':
      return new EpvmScorer();
  }
}

/**
 * The one filter order, cheapest first; a node stops at its first rejection, which is also the
 * reason it is counted under.
 * 1. node-up: one boolean, and a down node's other numbers are stale anyway.
 * 2. constraints, host paths, capabilities: one field read for a task without them; before the resources
 *    because a node the task may never run on should be explained by that, not by what it has
 *    free now (as Nomad checks constraints before it bin-packs).
 * 3. cpu, memory, disk: a subtraction and a comparison each; before ports so that a node short of
 *    resources is explained (with the closest miss) by what it lacks.
 * 4. ports: builds a key per requested host port and looks it up in a set, the costliest check.
 * Volume affinity is not here: it depends on where volumes are, which the manager adds per task.
 */
export const DEFAULT_FILTERS: readonly Filter[] = Object.freeze([
  nodeUpFilter,
  constraintsFilter,
  hostPathFilter,
  capabilityFilter,
  specFieldsFilter,
  cpuFilter,
  memoryFilter,
  diskFilter,
  portsFilter,
]);
