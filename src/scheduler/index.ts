// The scheduler: filter then score, pure and in-process. Inputs come from the latest heartbeats
// (NodeView); the result is a node or an Explanation a person can read through explain().

/** Plain data in and out: NodeView from heartbeats, Filter/Scorer contracts, Placement, Explanation. */
export type {
  Resources,
  NodeView,
  ResourceName,
  ResourceMeasure,
  Filter,
  Scorer,
  ClosestMiss,
  Explanation,
  NeverFits,
  Placement,
} from './types.js';
/**
 * select(task, nodes, filters, scorer): the highest-scoring node that passes every filter (ties: smaller id), else an
 * Explanation.
 */
export { select } from './select.js';
/** selectPinned(task, nodeId, node, filters, scorer): select over the one node a pinned task may run on. */
export { selectPinned, NODE_NOT_IN_CLUSTER } from './select-pinned.js';
/**
 * explain(e): one line, e.g. "0/3 nodes can run web-1: 2 not enough free memory (needs 4 GiB; ...), 1 node down";
 * explainNever(n): "0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, ...)".
 */
export { explain, explainNever } from './explain.js';
/**
 * neverFits(task, nodes, filters): why no node could ever hold the task, even running nothing else (its whole
 * capacity short, or a lasting rule such as a constraint); undefined when one could, or when no node beats.
 */
export { neverFits } from './never-fits.js';
/** strategyByName: a new scorer per call; DEFAULT_FILTERS: the one filter order, cheapest first. */
export { strategyByName, isStrategyName, STRATEGY_NAMES, DEFAULT_FILTERS, type StrategyName } from './strategies.js';
/**
 * Scheduler: a scorer and filters wired once; place(task, nodes) is select with them, chooseIn(pool, task) the fast
 * path's choice (the caller reserves it).
 */
export { Scheduler, type SchedulerOptions } from './scheduler.js';
/**
 * NodePool: nodes in id order with an index on free cpu/memory/disk; reserve/release keep it current; it copies what it
 * is given.
 */
export { NodePool, type FeasibleSearch, type FeasibleVisit } from './node-pool.js';
/**
 * sampleSelect(task, pool, filters, scorer, options): select's answer for round-robin, best of a feasible sample
 * otherwise; select's Explanation when nothing fits.
 */
export {
  sampleSelect,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_PROBES,
  DEFAULT_MAX_REJECTIONS,
  type SampleOptions,
} from './sample-select.js';
/** seededRandom(seed): a replayable uniform source in [0, 1) for sampling decisions. */
export { seededRandom, DEFAULT_SCHEDULER_SEED, type RandomSource } from './seeded-random.js';
/** nodeUpFilter rejects with NODE_DOWN when node.up is false. */
export {
  nodeUpFilter,
  NODE_DOWN,
  NODE_DRAINED,
  NODE_PAUSED,
  NODE_RESTARTING,
  NODE_UNHEARD,
  NODE_WITHOUT_ENGINE,
} from './filter-node-up.js';
/** Free = capacity - allocated; a request of 0 always fits; cpu in cores, memory and disk in bytes. */
export {
  cpuFilter,
  memoryFilter,
  diskFilter,
  NOT_ENOUGH_CPU,
  NOT_ENOUGH_MEMORY,
  NOT_ENOUGH_DISK,
  nanoCores,
} from './filter-resources.js';
/**
 * portsFilter: "host port 8080/tcp in use"; hostPortKey builds the keys of NodeView.usedPorts, per address
 * (`127.0.0.1:8080/tcp`); hostPort 0 never conflicts.
 */
export { portsFilter, hostPortKey, firstHostPortInUse } from './filter-ports.js';
/** constraintsFilter: "node does not match node.labels.zone == a" for the first rule a node fails. */
export { constraintsFilter } from './filter-constraints.js';
/**
 * hostPathFilter: "node does not allow host path /srv/x"; volumeHomeFilter(homes), per task: "volume db-data-1 is on
 * node n2" for every node but the one holding it.
 */
export { hostPathFilter, volumeHomeFilter, type VolumeHome } from './filter-volumes.js';
/** capabilityFilter: "node does not allow capability NET_ADMIN" (beyond the default set, not given by --allow-cap). */
export { capabilityFilter } from './filter-capabilities.js';
/** specFieldsFilter: "node runs poseidon 0.1.0, whose worker does not read field capAdd (upgrade it)". */
export { specFieldsFilter } from './filter-spec-fields.js';
/** Round-robin over feasible nodes in node id order; the cursor is the last chosen id. */
export { RoundRobinScorer } from './score-roundrobin.js';
/** E-PVM: score = -Σ_r (b^(u_r + d_r) - b^(u_r)) over cpu, memory and task count. */
export {
  EpvmScorer,
  DEFAULT_EPVM_BASE,
  DEFAULT_MAX_TASKS_PER_NODE,
  ZERO_CPU_REQUEST_CORES,
  type EpvmOptions,
  type EpvmCost,
} from './score-epvm.js';
/** spreadScorer(replicasOn, strategy): fewest replicas of the service first, the strategy between equals. */
export { spreadScorer } from './score-spread.js';
