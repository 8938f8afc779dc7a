import {
  NODE_DRAINED,
  NODE_PAUSED,
  NODE_RESTARTING,
  NODE_UNHEARD,
  NODE_WITHOUT_ENGINE,
  NodePool,
  neverFits,
  select,
  selectPinned,
  spreadScorer,
  volumeHomeFilter,
  type Filter,
  type NeverFits,
  type NodeView,
  type Placement,
  type Scheduler,
  type Scorer,
  type VolumeHome,
} from '../scheduler/index.js';
import type { TaskRequest } from '../task/index.js';
import { Allocations, type NodeAllocation } from './allocations.js';
import { isDrained, isPaused, nodeLabels, sameLabels, takesWork, type NodeEntry } from './records.js';
import { ALL_READ, unreadSpecFields } from './spec-fields.js';

const NO_PORTS: ReadonlySet<string> = new Set();
/** A what-if asks whether a node fits, not which is best: it ranks none, and remembers nothing (round-robin would). */
const WHAT_IF: Scorer = { name: 'what-if', score: () => 0 };
const NO_PORT_KEYS: readonly string[] = [];

/**
 * The cluster as placement sees it, kept for the manager's lifetime instead of rebuilt for every
 * pass: the scheduler's NodePool (nodes in id order, with an index on what each has free) and
 * the per-node Allocations it is made from. Both change only through here, so they cannot part:
 *
 * - a task's charge (placed, moved, ended, stopped, dropped) through set(), which updates
 *   Allocations and then the pooled view of the one or two nodes the task left and joined;
 * - a node's own facts (registered, heartbeat metrics, Up/Down/Unknown, capacity) through
 *   setNode().
 *
 * The pooled allocation equals the books' to the bit. A charge, the hot path (every placement),
 * is NodePool.reserve: the same additions, in the same order, on the same starting values. A
 * release rebuilds the node's view from its NodeEntry and its allocation (O(log n) in the
 * index), never NodePool.release: Allocations counts the holders of each host port and starts
 * over from exact zeros when a node empties, and a subtraction of its own would drift from it (a
 * port freed while another copy still holds it, cpu sums such as 0.1 + 0.2 - 0.1 - 0.2 that are
 * not 0). A change of the node's own facts rebuilds its view the same way.
 *
 * Down and Unknown nodes stay in the pool, not up: the index leaves them out, and an
 * explanation still counts them ("1 node down"), as it did when every pass built the views.
 */
export class ClusterPool {
  readonly #alloc = new Allocations();
  #pool = new NodePool();
  /** Every node the manager knows, as last given to setNode. */
  readonly #entries = new Map<string, NodeEntry>();
  /** The host ports held outside Poseidon each node last reported, as the pool's views show them. */
  readonly #portsSeen = new Map<string, { keys: readonly string[]; set: ReadonlySet<string> }>();
  /**
   * Nodes known but not in the pool yet. NodePool adds a node in O(n) (the positions after it
   * shift), so joins wait here and go in together when placement next reads the pool: ten
   * thousand workers registering at once cost a few rebuilds, not ten thousand.
   */
  readonly #joined = new Set<string>();

  constructor(private readonly scheduler: Scheduler) {}

  /**
   * Charges the task to `nodeId` under `generation`, or to no node when null, as
   * Allocations.set does, and brings the pool along. True when this released resources
   * (capacity grew).
   */
  set(taskId: string, request: TaskRequest, nodeId: string | null, generation = 0): boolean {
    const before = this.#alloc.nodeOf(taskId);
    const released = this.#alloc.set(taskId, request, nodeId, generation);
    // same node: a new generation at most, which the pool does not see
    if (before !== nodeId) {
      if (before !== null) this.#rebuild(before);
      if (nodeId !== null && this.#pooledEntry(nodeId) !== undefined) this.#pool.reserve(nodeId, request);
    }
    return released;
  }

  /**
   * The host ports the engine picked for the task (Allocations.setBound); the node's pooled view
   * shows them in use. True when they changed (a port may have been freed).
   */
  setBound(taskId: string, keys: readonly string[]): boolean {
    const nodeId = this.#alloc.nodeOf(taskId);
    if (nodeId === null || !this.#alloc.setBound(taskId, keys)) return false;
    this.#rebuild(nodeId);
    return true;
  }

  /** Releases what the task holds (it is gone); true when capacity grew. */
  release(taskId: string): boolean {
    const before = this.#alloc.nodeOf(taskId);
    const released = this.#alloc.release(taskId);
    if (before !== null) this.#rebuild(before);
    return released;
  }

  /** The node the task is charged to now; null when none. */
  nodeOf(taskId: string): string | null {
    return this.#alloc.nodeOf(taskId);
  }

  /** What is charged on a node; all zero when nothing is. */
  of(nodeId: string): NodeAllocation {
    return this.#alloc.of(nodeId);
  }

  /**
   * A node registered, beat, or changed state: the pool sees it as `entry` says from now on.
   * True when a host port held outside Poseidon there was freed: a task waiting for it may fit.
   */
  setNode(entry: NodeEntry): boolean {
    const id = entry.record.id;
    // the tracker changes an entry in place, so what the pool last saw is kept apart
    const before = this.#portsSeen.get(id)?.keys ?? NO_PORT_KEYS;
    const after = entry.metrics?.portsInUse ?? NO_PORT_KEYS;
    this.#entries.set(id, entry);
    const portsChanged = !sameKeys(before, after);
    let freed = false;
    if (portsChanged) {
      const now = new Set(after);
      freed = before.some((key) => !now.has(key));
      if (after.length === 0) this.#portsSeen.delete(id);
      else this.#portsSeen.set(id, { keys: after, set: now });
    }
    if (this.#joined.has(id)) return freed; // its view is built when it goes in
    const pooled = this.#pool.get(id);
    if (pooled === undefined) this.#joined.add(id);
    // most heartbeats change nothing placement reads
    else if (portsChanged || !sameFacts(pooled, entry)) this.#rebuild(id);
    return freed;
  }

  /**
   * The node left the cluster for good: out of the pool now. What is still charged to it stays in
   * the books until its tasks are placed elsewhere (of() lists them); a rebuild of it is a no-op.
   */
  removeNode(nodeId: string): void {
    this.#entries.delete(nodeId);
    this.#portsSeen.delete(nodeId);
    this.#joined.delete(nodeId);
    this.#pool.delete(nodeId);
  }

  /**
   * Where the task should go: its preferred node when that is up and the task fits there (a
   * restart stays where its image and data are), else the scheduler's fast path over the pool,
   * or why no node can take it. Charges nothing: set() does, once the caller records the
   * placement.
   *
   * `homes`: the nodes that hold named volumes the task mounts. Such a task may go only there
   * (volume affinity): it is tried on its home node, and when that cannot take it, every node is
   * looked at with the affinity filter added, so the explanation counts each node under its reason.
   */
  choose(task: TaskRequest, preferNodeId: string | null = null, homes: readonly VolumeHome[] = []): Placement {
    const pool = this.current();
    const pin = task.pinnedNodeId;
    if (pin !== undefined) return selectPinned(task, pin, pool.get(pin), this.#filters(homes), this.scheduler.strategy);
    if (homes.length > 0) {
      const filters = this.#filters(homes);
      const home = pool.get(homes[0]?.nodeId ?? '');
      if (home !== undefined) {
        const p = select(task, [home], filters, this.scheduler.strategy);
        if (p.ok) return p;
      }
      return select(task, pool.views(), filters, this.scheduler.strategy);
    }
    const preferred = preferNodeId === null ? undefined : pool.get(preferNodeId);
    if (preferred !== undefined) {
      const p = this.scheduler.place(task, [preferred]);
      if (p.ok) return p;
    }
    return this.scheduler.chooseIn(pool, task);
  }

  /**
   * Where a service's replica should go: every node is looked at (no sampling), and of those
   * that can take it the one with the fewest replicas of the service wins (spreadScorer).
   * `homes` as in choose(): with them, only the node holding the volumes can take it. A pinned
   * task (a global service's replica) looks at its own node alone, in both.
   */
  chooseSpread(
    task: TaskRequest,
    replicasOn: (nodeId: string) => number,
    homes: readonly VolumeHome[] = [],
  ): Placement {
    const pool = this.current();
    const scorer = spreadScorer(replicasOn, this.scheduler.strategy);
    const pin = task.pinnedNodeId;
    if (pin !== undefined) return selectPinned(task, pin, pool.get(pin), this.#filters(homes), scorer);
    return select(task, pool.views(), this.#filters(homes), scorer);
  }

  /**
   * For a task no node can take now: why no node could ever hold it (neverFits), over the nodes and
   * filters its placement looked at (its own node alone when pinned); undefined when one could.
   */
  neverFits(task: TaskRequest, homes: readonly VolumeHome[] = []): NeverFits | undefined {
    const pool = this.current();
    const pin = task.pinnedNodeId;
    const node = pin === undefined ? undefined : pool.get(pin);
    if (pin !== undefined && node === undefined) return undefined; // it waits for its node to join
    return neverFits(task, node === undefined ? pool.views() : [node], this.#filters(homes));
  }

  /**
   * Whether the task fits on no node, even once the tasks `leaving` (stopping now) have given
   * back their room, but would on one of theirs were `held` (charged now: the older replicas of
   * its slot) to hold nothing there too: the node it would go to, or undefined. A what-if over the
   * filters its placement uses (its own node alone when pinned), ranking nothing and charging nothing.
   */
  roomHeldBy(
    task: TaskRequest,
    held: readonly string[],
    leaving: readonly string[] = [],
    homes: readonly VolumeHome[] = [],
  ): string | undefined {
    const pool = this.current();
    const filters = this.#filters(homes);
    const pin = task.pinnedNodeId;
    const pinned = pin === undefined ? undefined : pool.get(pin);
    if (pin !== undefined && pinned === undefined) return undefined;
    // the room that tasks already stopping give back is room to come: the task waits for it
    const soon = this.#viewsWithout(leaving, pin);
    const now = pinned === undefined ? pool.views().map((v) => soon.get(v.id) ?? v) : [soon.get(pinned.id) ?? pinned];
    if (select(task, now, filters, WHAT_IF).ok) return undefined;
    const p = select(task, [...this.#viewsWithout([...leaving, ...held], pin).values()], filters, WHAT_IF);
    return p.ok ? p.nodeId : undefined;
  }

  /** The pooled views of the nodes the tasks are charged to, as if they held nothing (on `pin` alone when given). */
  #viewsWithout(taskIds: readonly string[], pin: string | undefined): Map<string, NodeView> {
    const byNode = new Map<string, string[]>();
    for (const id of taskIds) {
      const nodeId = this.#alloc.nodeOf(id);
      if (nodeId === null || (pin !== undefined && nodeId !== pin)) continue;
      byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), id]);
    }
    const views = new Map<string, NodeView>();
    for (const [nodeId, ids] of byNode) {
      const entry = this.#pooledEntry(nodeId);
      if (entry !== undefined)
        views.set(nodeId, viewOf(entry, this.#alloc.without(nodeId, ids), this.#portsSeen.get(nodeId)?.set));
    }
    return views;
  }

  /** The scheduler's filters, and volume affinity when the task mounts volumes a node holds. */
  #filters(homes: readonly VolumeHome[]): readonly Filter[] {
    return homes.length === 0 ? this.scheduler.filters : [...this.scheduler.filters, volumeHomeFilter(homes)];
  }

  /** Replaces the node's pooled view with one made from its entry and the books. */
  #rebuild(nodeId: string): void {
    const entry = this.#pooledEntry(nodeId);
    if (entry !== undefined) this.#pool.set(this.#viewOf(entry));
  }

  /**
   * The entry of a node in the pool now; undefined for a node the manager does not know (yet),
   * and for one waiting to join, whose view is made from the books when it goes in.
   */
  #pooledEntry(nodeId: string): NodeEntry | undefined {
    return this.#joined.has(nodeId) ? undefined : this.#entries.get(nodeId);
  }

  #viewOf(entry: NodeEntry): NodeView {
    const id = entry.record.id;
    return viewOf(entry, this.#alloc.of(id), this.#portsSeen.get(id)?.set);
  }

  /** The pool with every node that joined since it was last read. */
  current(): NodePool {
    if (this.#joined.size === 0) return this.#pool;
    const nodes: NodeView[] = [...this.#pool.views()];
    for (const id of this.#joined) {
      const entry = this.#entries.get(id);
      if (entry !== undefined) nodes.push(this.#viewOf(entry));
    }
    this.#joined.clear();
    this.#pool = new NodePool(nodes);
    return this.#pool;
  }
}

/**
 * A node as the scheduler sees it: its record and liveness, its latest metrics, what is charged on
 * it, and the host ports held there outside Poseidon.
 */
function viewOf(entry: NodeEntry, a: NodeAllocation, outside: ReadonlySet<string> | undefined): NodeView {
  const { record, metrics } = entry;
  const labels = nodeLabels(record);
  const unread = unreadSpecFields(record.specFields);
  return {
    id: record.id,
    name: record.name,
    up: takesWork(entry),
    ...(downReasonOf(entry) === undefined ? {} : { downReason: downReasonOf(entry) }),
    capacity: record.capacity,
    allocated: a.resources, // the pool copies it
    taskCount: a.count,
    usedPorts: usedPorts(a, outside),
    ...(outside === undefined ? {} : { portsHeldOutside: outside }),
    ...(metrics === null ? {} : { cpuUsage: metrics.cpuUsage, memoryUsedBytes: memoryUsedBytes(entry) }),
    ...(labels === undefined ? {} : { labels }),
    ...(record.allowedHostPaths === undefined ? {} : { allowedHostPaths: record.allowedHostPaths }),
    ...(record.allowedCaps === undefined ? {} : { allowedCaps: record.allowedCaps }),
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(unread.length === 0 ? {} : { specFieldsUnread: unread }),
  };
}

/** The node's host ports in use: its tasks' (the books), and those held outside Poseidon as it reported. */
function usedPorts(a: NodeAllocation, outside: ReadonlySet<string> | undefined): ReadonlySet<string> {
  if (outside === undefined) return a.ports.size === 0 ? NO_PORTS : new Set(a.ports.keys());
  const used = new Set(outside);
  for (const key of a.ports.keys()) used.add(key);
  return used;
}

/** Whether two lists of port keys are the same, in the same order (a worker sends them in port order). */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((key, i) => key === b[i]));
}

/**
 * Why a node takes no work: not heard from since this manager started, or it beats but is
 * restarting, drained, paused or without its engine; else undefined ("node down" if not up).
 */
function downReasonOf(entry: NodeEntry): string | undefined {
  if (entry.state === 'Unknown') return NODE_UNHEARD;
  if (entry.state !== 'Up' || takesWork(entry)) return undefined;
  if (entry.restarting === true) return NODE_RESTARTING;
  return isDrained(entry) ? NODE_DRAINED : isPaused(entry) ? NODE_PAUSED : NODE_WITHOUT_ENGINE;
}

function memoryUsedBytes(entry: NodeEntry): number | undefined {
  return entry.metrics === null
    ? undefined
    : Math.max(0, entry.record.capacity.memoryBytes - entry.metrics.memoryAvailableBytes);
}

/** Whether a pooled view already shows what the entry says about the node itself (its allocation is kept by set). */
function sameFacts(pooled: NodeView, entry: NodeEntry): boolean {
  const { record } = entry;
  const c = record.capacity;
  return (
    pooled.up === takesWork(entry) &&
    pooled.downReason === downReasonOf(entry) &&
    pooled.name === record.name &&
    pooled.capacity.cpuCores === c.cpuCores &&
    pooled.capacity.memoryBytes === c.memoryBytes &&
    pooled.capacity.diskBytes === c.diskBytes &&
    pooled.cpuUsage === entry.metrics?.cpuUsage &&
    pooled.memoryUsedBytes === memoryUsedBytes(entry) &&
    // the record's objects are replaced when the node registers again or is updated, never
    // changed in place: the worker's labels are the same object while the operator set none
    (record.operatorLabels === undefined
      ? pooled.labels === record.labels
      : sameLabels(pooled.labels, nodeLabels(record))) &&
    pooled.allowedHostPaths === record.allowedHostPaths &&
    pooled.allowedCaps === record.allowedCaps &&
    pooled.version === record.version &&
    // kept per list: the same array while the node has not registered again
    (pooled.specFieldsUnread ?? ALL_READ) === unreadSpecFields(record.specFields)
  );
}
