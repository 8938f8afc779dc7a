import type { TaskRequest } from '../task/index.js';
import { hostPortKey } from './filter-ports.js';
import { nodeUpFilter } from './filter-node-up.js';
import { cpuFilter, diskFilter, memoryFilter, nanoCores } from './filter-resources.js';
import { FreeIndex } from './free-index.js';
import type { Filter, NodeView, Resources } from './types.js';

/** What NodePool.findFeasible found: a node that passes every filter, or why there is none. */
export type FeasibleSearch = NodeView | 'none' | 'gave-up';

/**
 * What NodePool.visitFeasible did: how many feasible nodes it handed over, and whether it stopped on its rejection
 * budget.
 */
export interface FeasibleVisit {
  found: number;
  /** Nodes that got past the index but not the filters, and dead ends in the index. */
  rejected: number;
  gaveUp: boolean;
}

/** Reads a pooled node's position; set in PooledNode's static block, the only place that can see the field. */
let positionOf: (node: NodeView) => number | undefined = () => undefined;

/**
 * The pool's own copy of a NodeView. One class, so every node has the same shape and the
 * filters' and scorers' property reads stay monomorphic; and it knows its position, so the
 * node a placement chose is reserved without looking its id up again.
 */
class PooledNode implements NodeView {
  readonly id: string;
  readonly name: string;
  readonly up: boolean;
  readonly downReason: string | undefined;
  readonly capacity: Readonly<Resources>;
  readonly allocated: Resources;
  taskCount: number;
  readonly usedPorts: Set<string>;
  readonly portsHeldOutside: ReadonlySet<string> | undefined;
  readonly cpuUsage: number | undefined;
  readonly memoryUsedBytes: number | undefined;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly allowedHostPaths: readonly string[] | undefined;
  readonly allowedCaps: readonly string[] | undefined;
  readonly version: string | undefined;
  readonly specFieldsUnread: readonly string[] | undefined;
  readonly #position: number;

  constructor(node: NodeView, capacity: Readonly<Resources>, position: number) {
    this.id = node.id;
    this.name = node.name;
    this.up = node.up;
    this.downReason = node.downReason;
    this.capacity = capacity;
    this.allocated = {
      cpuCores: node.allocated.cpuCores,
      memoryBytes: node.allocated.memoryBytes,
      diskBytes: node.allocated.diskBytes,
    };
    this.taskCount = node.taskCount;
    this.usedPorts = new Set(node.usedPorts);
    this.portsHeldOutside = node.portsHeldOutside; // shared: replaced, never changed, when the worker reports others
    this.cpuUsage = node.cpuUsage;
    this.memoryUsedBytes = node.memoryUsedBytes;
    // shared, not copied: a node's labels and allowed paths change only when it registers again
    this.labels = node.labels;
    this.allowedHostPaths = node.allowedHostPaths;
    this.allowedCaps = node.allowedCaps;
    this.version = node.version;
    this.specFieldsUnread = node.specFieldsUnread;
    this.#position = position;
  }

  static {
    positionOf = (node) => (#position in node ? node.#position : undefined);
  }
}

/**
 * The cluster as the fast path sees it: the nodes in id order, their allocations kept current
 * by reserve/release as tasks are placed and stop, and a FreeIndex on what each has free, so a
 * feasible node is found in O(log n), usually O(1), instead of by running the filters on every
 * node.
 *
 * The pool owns its views: it copies what it is given, so a caller's later changes to its own
 * objects do not slip past the index. Change a node through set/reserve/release only; the
 * views it hands out are for reading.
 */
export class NodePool {
  /** Sorted by id (string order, as select breaks ties); a node's position is its index here. */
  #views: PooledNode[] = [];
  #positions = new Map<string, number>();
  #index = new FreeIndex([]);
  /**
   * One frozen capacity object per machine type, shared by its nodes: nobody writes a capacity,
   * and a node then brings one object fewer into the cache each time it is looked at, which is
   * most of what a placement costs once the nodes no longer fit in the cpu's cache.
   */
  #capacities = new Map<string, Readonly<Resources>>();
  /** Where the last reserve went: round-robin's cursor, so positionAfter needs no lookup. */
  #lastReserved = -1;

  constructor(nodes: Iterable<NodeView> = []) {
    const byId = new Map<string, NodeView>();
    for (const node of nodes) byId.set(node.id, node);
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
    const p = this.#positions.get(node.id);
    if (p === undefined) {
      this.#rebuild([...this.#views, node]);
      return;
    }
    const view = this.#copy(node, p);
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
    return this.#adjust(this.#positions.get(nodeId), task, +1);
  }

  /**
   * The position in id order of a node this pool handed out; undefined for any other object (or a node it has since
   * replaced).
   */
  positionOf(node: NodeView): number | undefined {
    const p = positionOf(node);
    return p !== undefined && this.#views[p] === node ? p : undefined;
  }

  /** Gives back what reserve took, when the task stops or moves. False for an unknown node. */
  release(nodeId: string, task: TaskRequest): boolean {
    return this.#adjust(this.#positions.get(nodeId), task, -1);
  }

  /** The position of the first node whose id sorts after `nodeId` (0 for undefined); size when none does. */
  positionAfter(nodeId: string | undefined): number {
    if (nodeId === undefined) return 0;
    // round-robin's cursor is the node reserved last, or at least one still here: no search
    if (this.#views[this.#lastReserved]?.id === nodeId) return this.#lastReserved + 1;
    const p = this.#positions.get(nodeId);
    if (p !== undefined) return p + 1;
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
   * Hands `visit` the first `wanted` nodes at or after position `from`, in id order and
   * wrapping, that pass every filter. It stops early when more than maxRejections nodes got
   * past the index but not the filters (gaveUp: a caller then asks select, which looks at every
   * node). Fewer than `wanted` without giving up means the whole ring was visited.
   *
   * The index only skips nodes the filters would reject: a resource is pruned only when its
   * filter is in `filters`, and down nodes are left out of the index, so a list without
   * nodeUpFilter cannot use it (see servesFilters).
   */
  visitFeasible(
    task: TaskRequest,
    filters: readonly Filter[],
    from: number,
    wanted: number,
    maxRejections: number,
    visit: (node: NodeView) => void,
  ): FeasibleVisit {
    const views = this.#views;
    const need: Resources = {
      cpuCores: filters.includes(cpuFilter) ? task.cpuCores : 0,
      memoryBytes: filters.includes(memoryFilter) ? task.memoryBytes : 0,
      diskBytes: filters.includes(diskFilter) ? task.diskBytes : 0,
    };
    const found = this.#index.visitFrom(from, need, wanted, maxRejections, (position) => {
      const node = views[position];
      if (node === undefined || !passesAll(filters, task, node)) return false;
      visit(node);
      return true;
    });
    const rejected = this.#index.lastRejections;
    return { found, rejected, gaveUp: rejected > maxRejections };
  }

  /**
   * The first feasible node at or after `from` (visitFeasible for one): 'none' when no node passes, 'gave-up' past the
   * budget.
   */
  findFeasible(task: TaskRequest, filters: readonly Filter[], from: number, maxRejections: number): FeasibleSearch {
    let first: NodeView | undefined;
    const visit = this.visitFeasible(task, filters, from, 1, maxRejections, (node) => {
      first = node;
    });
    if (first !== undefined) return first;
    return visit.gaveUp ? 'gave-up' : 'none';
  }

  /**
   * Whether findFeasible can serve this filter list: the index leaves down nodes out, so the list must reject them too.
   */
  static servesFilters(filters: readonly Filter[]): boolean {
    return filters.includes(nodeUpFilter);
  }

  #adjust(p: number | undefined, task: TaskRequest, sign: 1 | -1): boolean {
    const view = p === undefined ? undefined : this.#views[p];
    if (p === undefined || view === undefined) return false;
    const allocated = view.allocated;
    allocated.cpuCores = nanoCores(allocated.cpuCores + sign * task.cpuCores);
    allocated.memoryBytes += sign * task.memoryBytes;
    allocated.diskBytes += sign * task.diskBytes;
    view.taskCount = Math.max(0, view.taskCount + sign);
    for (const port of task.ports) {
      if (port.hostPort === 0) continue;
      const key = hostPortKey(port.hostPort, port.protocol, port.hostIp);
      if (sign > 0) view.usedPorts.add(key);
      else view.usedPorts.delete(key);
    }
    this.#index.set(p, freeOf(view));
    if (sign > 0) this.#lastReserved = p;
    return true;
  }

  #copy(node: NodeView, position: number): PooledNode {
    const c = node.capacity;
    const key = `${c.cpuCores}/${c.memoryBytes}/${c.diskBytes}`;
    let capacity = this.#capacities.get(key);
    if (capacity === undefined) {
      capacity = Object.freeze({ cpuCores: c.cpuCores, memoryBytes: c.memoryBytes, diskBytes: c.diskBytes });
      this.#capacities.set(key, capacity);
    }
    return new PooledNode(node, capacity, position);
  }

  /**
   * Copies in id order: the copies then sit in memory in that order too, and a sample's neighbours share cache lines.
   */
  #rebuild(nodes: NodeView[]): void {
    nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const views = nodes.map((n, p) => this.#copy(n, p));
    this.#views = views;
    this.#lastReserved = -1;
    this.#positions = new Map(views.map((v, p) => [v.id, p]));
    this.#index = new FreeIndex(views.map(freeOf));
  }
}

/** Free = capacity - allocated, as the resource filters compute it; null leaves a down node out of the index. */
function freeOf(node: NodeView): Resources | null {
  if (!node.up) return null;
  const { capacity: c, allocated: a } = node;
  return {
    cpuCores: c.cpuCores - a.cpuCores,
    memoryBytes: c.memoryBytes - a.memoryBytes,
    diskBytes: c.diskBytes - a.diskBytes,
  };
}

/**
 * Every filter lets the node take the task. An index loop, not for-of: this runs for each node a
 * placement samples (16 by default), and inlined into the index's visit, V8 left for-of's
 * iterator results unoptimized, about 6 KB of garbage a placement (the manager's largest source).
 */
function passesAll(filters: readonly Filter[], task: TaskRequest, node: NodeView): boolean {
  for (let i = 0; i < filters.length; i++) if (filters[i]?.reject(task, node) !== null) return false;
  return true;
}
