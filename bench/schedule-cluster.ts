import { hostPortKey, type NodeView, type RandomSource, type Resources } from '../src/scheduler/index.js';
import { DEFAULT_RESTART_POLICY, type TaskRequest } from '../src/task/index.js';

// The fake in the `schedule` benchmark: the cluster state the manager would build from
// heartbeats (NodeViews) and the tasks it would place. Everything that decides is the real
// scheduler. Every number comes from a seeded source, so a run can be repeated exactly.

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** An inclusive range to draw from. */
export interface Range {
  min: number;
  max: number;
}

export interface ClusterShape {
  nodes: number;
  capacity: Resources;
  /** Share of nodes that are down (missed heartbeats). */
  downShare: number;
  /** What is already running on a node when the bench starts, drawn per node. */
  preload: { cpuCores: Range; memoryBytes: Range; taskCount: Range; usedPorts: Range };
  /** Share of nodes whose heartbeat carries a measured cpu fraction, and its range. */
  measuredShare: number;
  cpuUsage: Range;
}

export interface TaskShape {
  cpuCores: Range;
  memoryBytes: Range;
  diskBytes: Range;
  /** Share of tasks that ask for a fixed host port (from hostPorts). */
  hostPortShare: number;
  hostPorts: Range;
}

function draw(random: RandomSource, r: Range): number {
  return r.min + random() * (r.max - r.min);
}

function drawInt(random: RandomSource, r: Range): number {
  return Math.floor(r.min + random() * (r.max - r.min + 1));
}

/** Ids as the manager's are (random, unrelated to join order), so id order is not creation order. */
function nodeId(random: RandomSource): string {
  const word = (): string =>
    Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return `${word()}${word()}`;
}

export function simulatedNodes(shape: ClusterShape, random: RandomSource): NodeView[] {
  const ids = new Set<string>();
  const nodes: NodeView[] = [];
  for (let i = 0; i < shape.nodes; i++) {
    let id = nodeId(random);
    while (ids.has(id)) id = nodeId(random);
    ids.add(id);
    const p = shape.preload;
    const usedPorts = new Set<string>();
    const portCount = drawInt(random, p.usedPorts);
    for (let k = 0; k < portCount; k++)
      usedPorts.add(hostPortKey(20_000 + drawInt(random, { min: 0, max: 9_999 }), 'tcp'));
    const node: NodeView = {
      id,
      name: `worker-${i + 1}`,
      up: random() >= shape.downShare,
      capacity: { ...shape.capacity },
      allocated: {
        cpuCores: draw(random, p.cpuCores),
        memoryBytes: Math.round(draw(random, p.memoryBytes)),
        diskBytes: 0,
      },
      taskCount: drawInt(random, p.taskCount),
      usedPorts,
    };
    if (random() < shape.measuredShare) node.cpuUsage = draw(random, shape.cpuUsage);
    nodes.push(node);
  }
  return nodes;
}

export function simulatedTasks(shape: TaskShape, count: number, random: RandomSource, firstIndex = 0): TaskRequest[] {
  const tasks: TaskRequest[] = [];
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const wantsPort = random() < shape.hostPortShare;
    tasks.push({
      id: `task-${i}`,
      name: `bench-${i}`,
      image: 'poseidon/busybox:latest',
      command: [],
      env: {},
      cpuCores: Math.round(draw(random, shape.cpuCores) * 1000) / 1000, // millicores, as a spec gives them
      memoryBytes: Math.round(draw(random, shape.memoryBytes) / MiB) * MiB,
      diskBytes: Math.round(draw(random, shape.diskBytes) / MiB) * MiB,
      ports: wantsPort ? [{ containerPort: 80, hostPort: drawInt(random, shape.hostPorts), protocol: 'tcp' }] : [],
      labels: {},
      restartPolicy: DEFAULT_RESTART_POLICY,
      healthCheck: null,
    });
  }
  return tasks;
}

/**
 * The full scan's cluster, kept the way the manager keeps it today (#placeAll): a plain array
 * of NodeViews handed to Scheduler.place, and a reserve that adds the task to the chosen view.
 */
export class PlainCluster {
  readonly views: NodeView[];
  readonly #byId: Map<string, NodeView>;

  constructor(nodes: readonly NodeView[]) {
    this.views = nodes.map((n) => ({
      ...n,
      capacity: { ...n.capacity },
      allocated: { ...n.allocated },
      usedPorts: new Set(n.usedPorts),
    }));
    this.#byId = new Map(this.views.map((v) => [v.id, v]));
  }

  reserve(nodeId: string, task: TaskRequest): void {
    this.#adjust(nodeId, task, 1);
  }

  release(nodeId: string, task: TaskRequest): void {
    this.#adjust(nodeId, task, -1);
  }

  #adjust(nodeId: string, task: TaskRequest, sign: 1 | -1): void {
    const node = this.#byId.get(nodeId);
    if (node === undefined) return;
    const a = node.allocated as Resources;
    a.cpuCores += sign * task.cpuCores;
    a.memoryBytes += sign * task.memoryBytes;
    a.diskBytes += sign * task.diskBytes;
    node.taskCount += sign;
    const ports = node.usedPorts as Set<string>;
    for (const p of task.ports) {
      if (p.hostPort === 0) continue;
      if (sign > 0) ports.add(hostPortKey(p.hostPort, p.protocol));
      else ports.delete(hostPortKey(p.hostPort, p.protocol));
    }
  }
}
