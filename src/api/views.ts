import type { TaskState } from '../task/index.js';

// What the APIs return. Field names are the contract: the CLI's --json prints the same names.

export interface PortView {
  container: number;
  /** The host port actually bound; 0 until the container runs. */
  host: number;
  protocol: 'tcp' | 'udp';
}

export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface HealthView {
  status: HealthStatus;
  failures: number;
  lastOutput: string;
  lastCheckedAt: string | null;
}

/** A task as a worker reports it. */
export interface WorkerTaskView {
  id: string;
  name: string;
  image: string;
  command: string[];
  state: TaskState;
  /** Placement generation (fencing); 0 for tasks started directly on the worker. */
  generation: number;
  containerId: string | null;
  exitCode: number | null;
  /** Why the task is in its state, in words ("exited with code 1", "image ... not found"). */
  reason: string;
  ports: PortView[];
  /** Cores; 0 = no limit. */
  cpu: number;
  /** Bytes; 0 = no limit. */
  memory: number;
  disk: number;
  labels: Record<string, string>;
  health: HealthView;
  /** The container's address on its host's Poseidon network; absent when unknown (or no network). */
  address?: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface TaskUsageView {
  id: string;
  name: string;
  /** Cores in use (1.0 = one core). */
  cpu: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export interface HostStatsView {
  cpuCores: number;
  cpuUsage: number;
  load: { load1: number; load5: number; load15: number };
  memory: { totalBytes: number; availableBytes: number };
  disk: { path: string; totalBytes: number; freeBytes: number };
  uptimeSeconds: number;
}

export interface WorkerStatsView {
  worker: string;
  host: HostStatsView;
  taskCount: number;
  tasksByState: Record<string, number>;
  tasks: TaskUsageView[];
}
