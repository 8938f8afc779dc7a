import type { TaskRequest } from '../task/index.js';

// The scheduler's inputs and outputs. Everything here is plain data built by the manager from
// the latest heartbeats, so a decision needs no I/O and a test needs no server.

/** Amounts of the resources a task reserves on a node. */
export interface Resources {
  cpuCores: number;
  memoryBytes: number;
  diskBytes: number;
}

/** A node as the scheduler sees it, built by the manager from the node's latest heartbeat. */
export interface NodeView {
  id: string;
  /** What a person calls the node; used in explanations. */
  name: string;
  /** Whether the node takes work: it beats, and its container engine answers. */
  up: boolean;
  /** Why it does not (up false), for people; "node down" when not given. */
  downReason?: string;
  capacity: Readonly<Resources>;
  /** Sum of the requests of the tasks placed on the node. Free = capacity - allocated. */
  allocated: Readonly<Resources>;
  taskCount: number;
  /**
   * Host ports in use, as `"8080/tcp"` (every address) or `"127.0.0.1:8080/tcp"` (one address; see hostPortKey).
   */
  usedPorts: ReadonlySet<string>;
  /** Of usedPorts, those held outside Poseidon (another container, a host process), as its worker said. */
  portsHeldOutside?: ReadonlySet<string>;
  /** Measured cpu busy fraction, 0..1, when the heartbeat carried it. */
  cpuUsage?: number;
  /** Measured memory in use, when the heartbeat carried it. */
  memoryUsedBytes?: number;
  /** The node's labels (`poseidon worker --label zone=a`), which constraints match; absent: none. */
  labels?: Readonly<Record<string, string>>;
  /** Host directories its worker lets tasks mount (`--allow-host-path`); absent: none. */
  allowedHostPaths?: readonly string[];
  /** Capabilities beyond Docker's default set its worker gives tasks (`--allow-cap`; `ALL`: any); absent: none. */
  allowedCaps?: readonly string[];
  /** Its worker's Poseidon version, for explanations; absent: not known. */
  version?: string;
  /** Task spec fields its worker does not read (an older worker): a task that sets one does not go there. */
  specFieldsUnread?: readonly string[];
}

/** A resource a filter can run out of; the unit is cores for cpu and bytes otherwise. */
export type ResourceName = 'cpu' | 'memory' | 'disk';

/** How much of one resource a task needs and a node has free, so select can name the closest miss. */
export interface ResourceMeasure {
  readonly resource: ResourceName;
  needed(task: TaskRequest): number;
  free(node: NodeView): number;
}

/** A feasibility check. `reject` returns null when the node can run the task, else a short reason for a person. */
export interface Filter {
  readonly name: string;
  reject(task: TaskRequest, node: NodeView): string | null;
  /** Set on resource filters: select records the rejected node with the most free of this resource. */
  readonly measure?: ResourceMeasure;
  /**
   * True when a node this filter rejects stays rejected until someone acts, whatever ends on it:
   * a rule of the task or the node's setup (constraints, capabilities, host paths, its worker's
   * version), so neverFits may count it. Absent: a task ending there may lift it (host ports). A
   * resource filter needs none: neverFits compares the request with the node's whole capacity.
   */
  readonly lasting?: boolean;
}

/** Ranks nodes that passed every filter; higher wins. */
export interface Scorer {
  readonly name: string;
  score(task: TaskRequest, node: NodeView): number;
  /** Called by select once with the node it chose; a scorer with memory (round-robin) advances here. */
  placed?(task: TaskRequest, node: NodeView): void;
  /**
   * Only for a scorer that takes turns in id order (round-robin): it scores 1 for a node whose
   * id sorts after the cursor and 0 for the rest, so its choice is the first feasible node after
   * the cursor, wrapping. Returns that id, or undefined to start from the smallest.
   * sampleSelect then finds that very node through its index instead of ranking a sample, and
   * gives it the score from where it was found (after the cursor or wrapped) rather than by
   * comparing ids, which would read a cold string per placement in a large cluster.
   */
  rotationCursor?(): string | undefined;
}

/** Of the nodes a resource filter rejected, the one with the most free of that resource. */
export interface ClosestMiss {
  /** The rejection reason this miss belongs to, a key of Explanation.rejected. */
  reason: string;
  resource: ResourceName;
  /** What the task asked for, in cores or bytes. */
  needed: number;
  /** Free on that node, in cores or bytes; negative when the node is over-allocated. */
  free: number;
  nodeId: string;
  nodeName: string;
}

/** Why a task could not be placed: data, turned into words by explain(). */
export interface Explanation {
  taskName: string;
  /** Number of nodes looked at; 0 means no node has joined. */
  evaluated: number;
  /** Rejection reason -> number of nodes rejected for it (each node counts once, for its first reason). */
  rejected: ReadonlyMap<string, number>;
  /** For the resource that rejected the most nodes; absent when no resource filter rejected any. */
  closestMiss?: ClosestMiss;
  /** The node a pinned task may run on alone (its name; its id when the pool has no such node); absent: any. */
  pinnedTo?: string;
}

/**
 * Why no node could ever hold a task, even if it ran nothing else (neverFits): each node counted
 * under its first lasting reason. Unlike an Explanation, a node short of free room is not here:
 * only one whose whole capacity is short, or that a rule keeps out.
 */
export interface NeverFits {
  /** Number of nodes looked at, down ones included. */
  evaluated: number;
  /** Lasting reason -> number of nodes it keeps out. */
  rejected: ReadonlyMap<string, number>;
  /** The node with the most of the resource that kept out the most nodes: `free` is its whole capacity. */
  closestMiss?: ClosestMiss;
  /**
   * The name of the filter behind the reason that kept out the most nodes (explain's order): `node-up`,
   * `constraints`, `host-paths`, `capabilities`, `spec-fields`, `cpu`, `memory`, `disk`, `volume-home`.
   */
  cause: string;
}

export type Placement = { ok: true; nodeId: string; score: number } | { ok: false; explanation: Explanation };
