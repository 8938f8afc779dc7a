import type { TaskRequest } from '../task/index.js';
import { hostPortKey } from './filter-ports.js';
import { nodeUpFilter } from './filter-node-up.js';
import { cpuFilter, diskFilter, memoryFilter } from './filter-resources.js';
import { FreeIndex, GAVE_UP, NOT_FOUND } from './free-index.js';
import type { Filter, NodeView, Resources } from './types.js';

/** What NodePool.findFeasible found: a node that passes every filter, or why there is none. */
export type FeasibleSearch = NodeView | 'none' | 'gave-up';

/**
 * The cluster as the fast path sees it: the nodes in id order, their allocations kept current
 * by reserve/release as tasks are placed and stop, and a FreeIndex on what each has free, so a
 * feasible node is found in O(log n) instead of by running the filters on every node.
 *
 * The pool owns its views: it copies what it is given, so a caller's later changes to its own
 * objects do not slip past the index. Change a node through set/reserve/release only; the
 * views it hands out are for reading.
 */
export class NodePool {
  /** Sorted by id (string order, as select breaks ties); a node's position is its index here. */
  #views: NodeView[] = [];
  #positions = new Map<string, number>();
  #index = new FreeIndex([]);

  constructor(nodes: Iterable<NodeView> = []) {
    const byId = new Map<string, NodeView>();
    for (const node of nodes) byId.set(node.id, copyView(node));
    this.#rebuild([...byId.values()]);
  }

  get size(): number {
    return this.#views.length;
  }

  get(nodeId: string): NodeView | undefined {
    const p = this.#positions.get(nodeId);
    return p === undefined ? undefined : this.#views[p];
  }

  /** Every node in id order; the same array until a node joins or leaves. */
  views(): readonly NodeView[] {
    return this.#views;
  }

  /**
   * Adds a node or replaces the one with its id (a heartbeat: up/down, capacity, measured
   * usage, and the allocation the caller knows). O(log n) to replace, O(n) to add, since a
   * newcomer shifts the positions of the nodes after it; nodes join far less often than tasks
   * are placed.
   */
  set(node: NodeView): void {
    const view = copyView(node);
    const p = this.#positions.get(view.id);
    if (p === undefined) {
      this.#rebuild([...this.#views, view]);
      return;
    }
    this.#views[p] = view;
    this.#index.set(p, freeOf(view));
  }

  /** Removes a node; false when it was not in the pool. O(n), like a join. */
  delete(nodeId: string): boolean {
    if (!this.#positions.has(nodeId)) return false;
    this.#rebuild(this.#views.filter((v) => v.id !== nodeId));
    return true;
  }

  /** Counts a placed task against its node: requests, task count and host ports. False for an unknown node. */
  reserve(nodeId: string, task: TaskRequest): boolean {
    return this.#adjust(nodeId, task, +1);
  }

  /** Gives back what reserve took, when the task stops or moves. False for an unknown node. */
  release(nodeId: string, task: TaskRequest): boolean {
    return this.#adjust(nodeId, task, -1);
  }

  /** The position of the first node whose id sorts after `nodeId` (0 for undefined); size when none does. */
  positionAfter(nodeId: string | undefined): number {
    if (nodeId === undefined) return 0;
    let lo = 0;
    let hi = this.#views.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#views[mid]?.id ?? '') > nodeId) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The first node at or after `from` in id order, wrapping, that passes every filter:
   * 'none' when no node does, 'gave-up' when more than maxRejections nodes got past the index
   * but not the filters (a caller then asks select, which looks at every node).
   *
   * The index only skips nodes the filters would reject: a resource is pruned only when its
   * filter is in `filters`, and down nodes are left out of the index, so a list without
   * nodeUpFilter cannot use it (see servesFilters).
   */
  findFeasible(task: TaskRequest, filters: readonly Filter[], from: number, maxRejections: number): FeasibleSearch {
    const views = this.#views;
    const accept = (position: number): boolean => {
      const node = views[position];
      return node !== undefined && passesAll(filters, task, node);
    };
    const need: Resources = {
      cpuCores: filters.includes(cpuFilter) ? task.cpuCores : 0,
      memoryBytes: filters.includes(memoryFilter) ? task.memoryBytes : 0,
      diskBytes: filters.includes(diskFilter) ? task.diskBytes : 0,
    };
    const found = this.#index.findFrom(from, need, accept, maxRejections);
    if (found === NOT_FOUND) return 'none';
    if (found === GAVE_UP) return 'gave-up';
    return views[found] ?? 'none';
  }

  /** How many nodes the filters turned down in the last findFeasible. */
  get lastRejections(): number {
    return this.#index.lastRejections;
  }

  /** Whether findFeasible can serve this filter list: the index leaves down nodes out, so the list must reject them too. */
  static servesFilters(filters: readonly Filter[]): boolean {
    return filters.includes(nodeUpFilter);
  }

  #adjust(nodeId: string, task: TaskRequest, sign: 1 | -1): boolean {
    const p = this.#positions.get(nodeId);
    const view = p === undefined ? undefined : this.#views[p];
    if (p === undefined || view === undefined) return false;
    // the pool made these objects (copyView), so they are its to change
    const allocated = view.allocated as Resources;
    const ports = view.usedPorts as Set<string>;
    allocated.cpuCores += sign * task.cpuCores;
    allocated.memoryBytes += sign * task.memoryBytes;
    allocated.diskBytes += sign * task.diskBytes;
    view.taskCount = Math.max(0, view.taskCount + sign);
    for (const port of task.ports) {
      if (port.hostPort === 0) continue;
      const key = hostPortKey(port.hostPort, port.protocol);
      if (sign > 0) ports.add(key);
      else ports.delete(key);
    }
    this.#index.set(p, freeOf(view));
    return true;
  }

  #rebuild(views: NodeView[]): void {
    views.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#views = views;
    this.#positions = new Map(views.map((v, p) => [v.id, p]));
    this.#index = new FreeIndex(views.map(freeOf));
  }
}

function copyView(node: NodeView): NodeView {
  return { ...node, capacity: { ...node.capacity }, allocated: { ...node.allocated }, usedPorts: new Set(node.usedPorts) };
}

/** Free = capacity - allocated, as the resource filters compute it; null leaves a down node out of the index. */
function freeOf(node: NodeView): Resources | null {
  if (!node.up) return null;
  const { capacity: c, allocated: a } = node;
  return { cpuCores: c.cpuCores - a.cpuCores, memoryBytes: c.memoryBytes - a.memoryBytes, diskBytes: c.diskBytes - a.diskBytes };
}

function passesAll(filters: readonly Filter[], task: TaskRequest, node: NodeView): boolean {
  for (const filter of filters) if (filter.reject(task, node) !== null) return false;
  return true;
}
