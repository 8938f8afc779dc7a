import type { TaskRequest } from '../task/index.js';
import { formatAmount, sortedReasons } from './explain.js';
import { NODE_RESTARTING, NODE_UNHEARD, NODE_WITHOUT_ENGINE } from './filter-node-up.js';
import { Rejections } from './rejections.js';
import type { Filter, NeverFits, NodeView, ResourceMeasure, ResourceName, Resources } from './types.js';

// "No node has room now" (other tasks may end: the task waits, as Nomad's blocked evaluations do)
// is not "no node could ever hold it": a request larger than every node's whole capacity, or a
// rule that keeps every node out (constraints, capabilities, host paths, a worker too old for a
// field). Nothing that ends on the cluster changes the second; someone has to act, so a wait can
// say so at once instead of at its timeout.

/**
 * Conditions a node leaves by itself (its worker restarts, its engine comes back, a manager just
 * started hears it): they do not last.
 */
const PASSING: ReadonlySet<string> = new Set([NODE_RESTARTING, NODE_WITHOUT_ENGINE, NODE_UNHEARD]);

/** The constraints filter's name: its rules say which nodes the task wants. */
const CONSTRAINTS = 'constraints';

const NOTHING: Readonly<Resources> = Object.freeze({ cpuCores: 0, memoryBytes: 0, diskBytes: 0 });

const CAPACITY_OF: Readonly<Record<ResourceName, keyof Resources>> = {
  cpu: 'cpuCores',
  memory: 'memoryBytes',
  disk: 'diskBytes',
};

/**
 * Why no node could ever hold the task, even running nothing else; undefined when one could (it
 * waits for room, or is placed), and when no node beats at all (nothing to judge by: a cluster
 * starting, or a manager that restarted and has not heard its workers yet).
 *
 * Judged against the nodes as they are: a node that is Down, drained or paused is counted under
 * that reason, since it takes nothing until it comes back or an operator acts; one restarting, or
 * whose engine is away, is judged by its setup, since it takes work again by itself. `filters`
 * are the placement's own, in their order: a filter marked `lasting` counts its rejection, a
 * resource filter one that the node's whole capacity would give too (its closest miss names the
 * node with the most), any other none.
 */
export function neverFits(
  task: TaskRequest,
  nodes: readonly NodeView[],
  filters: readonly Filter[],
): NeverFits | undefined {
  const rejections = new Rejections(filters.length);
  const causes = new Map<string, string>(); // reason -> the filter behind it
  const wanted = new Map<string, number>(); // reason -> nodes the task's constraints would take
  const constraints = filters.find((f) => f.name === CONSTRAINTS);
  let beating = false;
  for (const node of nodes) {
    beating ||= node.up || (node.downReason !== undefined && node.downReason !== NODE_UNHEARD);
    const found = lastingRejection(task, node, filters);
    if (found === undefined) return undefined;
    rejections.add(node, found.reason, found.slot, found.measure);
    causes.set(found.reason, found.filter);
    if (found.filter !== CONSTRAINTS && (constraints?.reject(task, node) ?? null) === null)
      wanted.set(found.reason, (wanted.get(found.reason) ?? 0) + 1);
  }
  const [top] = sortedReasons(rejections.counts);
  if (!beating || top === undefined) return undefined;
  const closestMiss = rejections.closestMiss(task);
  // what to do is about the nodes the task asks for: a task pinned to a paused node is told to
  // activate it, not to label another; only when no node meets its constraints is it about them
  const [first] = sortedReasons(wanted.size > 0 ? wanted : rejections.counts);
  const cause = causes.get((first ?? top)[0]) ?? '';
  const rejected = rejections.counts;
  return closestMiss === undefined
    ? { evaluated: nodes.length, rejected, cause }
    : { evaluated: nodes.length, rejected, closestMiss, cause };
}

interface LastingRejection {
  reason: string;
  /** The filter's name, and its index in the filters. */
  filter: string;
  slot: number;
  measure?: ResourceMeasure;
}

/** The first of the filters that keeps the node out for good, with its reason; undefined when none does. */
function lastingRejection(task: TaskRequest, node: NodeView, filters: readonly Filter[]): LastingRejection | undefined {
  let empty: NodeView | undefined; // the node as if it ran nothing, made once a resource filter asks
  for (let slot = 0; slot < filters.length; slot++) {
    const filter = filters[slot];
    if (filter === undefined) continue;
    const measure = filter.measure;
    if (measure !== undefined) {
      empty ??= { ...node, allocated: NOTHING, taskCount: 0 };
      if (filter.reject(task, empty) === null) continue;
      const reason = tooSmall(measure.resource, measure.needed(task));
      return { reason, filter: filter.name, slot, measure: capacityMeasure(measure) };
    }
    if (filter.lasting !== true) continue;
    const reason = filter.reject(task, node);
    if (reason !== null && !PASSING.has(reason)) return { reason, filter: filter.name, slot };
  }
  return undefined;
}

/** "node has less than 500 GiB memory in all", "node has less than 64 cores in all". */
function tooSmall(resource: ResourceName, needed: number): string {
  const what = resource === 'cpu' ? '' : ` ${resource}`;
  return `node has less than ${formatAmount(resource, needed)}${what} in all`;
}

/** The measure with a node's whole capacity as what it has, so the closest miss is the biggest node. */
function capacityMeasure(m: ResourceMeasure): ResourceMeasure {
  const key = CAPACITY_OF[m.resource];
  return { resource: m.resource, needed: m.needed, free: (node: NodeView) => node.capacity[key] };
}
