import { TaskDigestBuilder, type ResourcesView, type TaskDigest } from '../api/index.js';
import { hostPortKey, nanoCores } from '../scheduler/index.js';
import type { TaskRequest } from '../task/index.js';

/** What the active tasks on one node reserve there. */
export interface NodeAllocation {
  readonly resources: Readonly<ResourcesView>;
  readonly count: number;
  /** Host ports in use (`"8080/tcp"`, `"127.0.0.1:8080/tcp"`: hostPortKey), each with how many tasks hold it. */
  readonly ports: ReadonlyMap<string, number>;
  /** Ids of the tasks charged here. */
  readonly tasks: ReadonlySet<string>;
  /** The charged tasks as (id, generation), summarized as a worker's heartbeat digest is. */
  readonly digest: { readonly value: TaskDigest };
}

interface MutableAllocation {
  resources: ResourcesView;
  count: number;
  ports: Map<string, number>;
  tasks: Set<string>;
  digest: TaskDigestBuilder;
}

const NOTHING: NodeAllocation = Object.freeze({
  resources: Object.freeze({ cpuCores: 0, memoryBytes: 0, diskBytes: 0 }),
  count: 0,
  ports: new Map<string, number>(),
  tasks: new Set<string>(),
  digest: new TaskDigestBuilder(),
});

/**
 * Per node, the sum of the requests of the tasks placed there and still active, kept current as
 * each task is placed, moves or ends. Building this by walking every task on every reconcile
 * pass cost O(all tasks) per pass, which at 100,000 tasks was most of a pass; here a change
 * costs O(1) and reading a node's allocation costs nothing.
 */
export class Allocations {
  readonly #byNode = new Map<string, MutableAllocation>();
  /** Task id -> the node its request is charged to, with the request and generation that were charged. */
  readonly #charged = new Map<
    string,
    { nodeId: string; request: TaskRequest; generation: number; bound: readonly string[] }
  >();

  /**
   * Makes the task charged to `nodeId` under `generation`, or to no node when null (a task that
   * is not active holds nothing). Returns true when this released resources (capacity grew).
   */
  set(taskId: string, request: TaskRequest, nodeId: string | null, generation = 0): boolean {
    const current = this.#charged.get(taskId);
    if (current !== undefined && current.nodeId === nodeId) {
      if (current.generation !== generation) {
        // placed again on the same node: the same resources, a new copy in the digest
        const a = this.#byNode.get(nodeId);
        a?.digest.remove(taskId, current.generation);
        a?.digest.add(taskId, generation);
        current.generation = generation;
      }
      return false;
    }
    const released = this.release(taskId);
    if (nodeId !== null) {
      this.#charge(taskId, nodeId, request, generation);
      this.#charged.set(taskId, { nodeId, request, generation, bound: [] });
    }
    return released;
  }

  /**
   * The host ports the engine picked for the task's ports that asked for none (`hostPort` 0), as
   * its container bound them (`"32768/tcp"`): held on its node as a requested port is, so a task
   * that asks for one of them by number is not placed there. True when they changed.
   */
  setBound(taskId: string, keys: readonly string[]): boolean {
    const current = this.#charged.get(taskId);
    if (current === undefined || sameKeys(current.bound, keys)) return false;
    const a = this.#byNode.get(current.nodeId);
    if (a === undefined) return false;
    for (const key of keys) a.ports.set(key, (a.ports.get(key) ?? 0) + 1);
    unhold(a.ports, current.bound);
    current.bound = keys;
    return true;
  }

  /** Releases what the task holds (it is gone); true when it held something. */
  release(taskId: string): boolean {
    const current = this.#charged.get(taskId);
    if (current === undefined) return false;
    this.#release(taskId, current.nodeId, current.request, current.generation, current.bound);
    this.#charged.delete(taskId);
    return true;
  }

  /** The node a task is charged to; null when it holds nothing. */
  nodeOf(taskId: string): string | null {
    return this.#charged.get(taskId)?.nodeId ?? null;
  }

  /** What is charged on a node; all zero when nothing is. */
  of(nodeId: string): NodeAllocation {
    return this.#byNode.get(nodeId) ?? NOTHING;
  }

  /**
   * What would be charged on the node were these tasks to hold nothing there (a what-if: nothing
   * changes). Tasks charged elsewhere, or to nothing, are left out; the digest is the node's own.
   */
  without(nodeId: string, taskIds: Iterable<string>): NodeAllocation {
    const a = this.of(nodeId);
    const resources = { ...a.resources };
    const ports = new Map(a.ports);
    const tasks = new Set(a.tasks);
    for (const id of taskIds) {
      const c = this.#charged.get(id);
      if (c === undefined || c.nodeId !== nodeId || !tasks.delete(id)) continue;
      resources.cpuCores = nanoCores(resources.cpuCores - c.request.cpuCores);
      resources.memoryBytes -= c.request.memoryBytes;
      resources.diskBytes -= c.request.diskBytes;
      unhold(ports, [...requestedPorts(c.request), ...c.bound]);
    }
    if (tasks.size === 0) return { ...NOTHING, digest: a.digest };
    return { resources, count: tasks.size, ports, tasks, digest: a.digest };
  }

  #charge(taskId: string, nodeId: string, request: TaskRequest, generation: number): void {
    let a = this.#byNode.get(nodeId);
    if (a === undefined) {
      a = {
        resources: { cpuCores: 0, memoryBytes: 0, diskBytes: 0 },
        count: 0,
        ports: new Map(),
        tasks: new Set(),
        digest: new TaskDigestBuilder(),
      };
      this.#byNode.set(nodeId, a);
    }
    a.digest.add(taskId, generation);
    a.resources.cpuCores = nanoCores(a.resources.cpuCores + request.cpuCores);
    a.resources.memoryBytes += request.memoryBytes;
    a.resources.diskBytes += request.diskBytes;
    a.count += 1;
    a.tasks.add(taskId);
    for (const key of requestedPorts(request)) a.ports.set(key, (a.ports.get(key) ?? 0) + 1);
  }

  #release(taskId: string, nodeId: string, request: TaskRequest, generation: number, bound: readonly string[]): void {
    const a = this.#byNode.get(nodeId);
    if (a === undefined) return;
    a.digest.remove(taskId, generation);
    a.tasks.delete(taskId);
    a.count -= 1;
    if (a.count === 0) {
      // start from exact zeros again, so float sums of cpu never drift below 0
      this.#byNode.delete(nodeId);
      return;
    }
    a.resources.cpuCores = nanoCores(a.resources.cpuCores - request.cpuCores);
    a.resources.memoryBytes -= request.memoryBytes;
    a.resources.diskBytes -= request.diskBytes;
    unhold(a.ports, [...requestedPorts(request), ...bound]);
  }
}

/**
 * The host ports a task asks for by number (`hostPort` 0 asks for none), as `"8080/tcp"`, or
 * `"127.0.0.1:8080/tcp"` for one on a host address.
 */
export function requestedPorts(request: TaskRequest): string[] {
  return request.ports.filter((p) => p.hostPort !== 0).map((p) => hostPortKey(p.hostPort, p.protocol, p.hostIp));
}

/** One holder fewer for each key. */
function unhold(ports: Map<string, number>, keys: readonly string[]): void {
  for (const key of keys) {
    const n = (ports.get(key) ?? 0) - 1;
    if (n > 0) ports.set(key, n);
    else ports.delete(key);
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
