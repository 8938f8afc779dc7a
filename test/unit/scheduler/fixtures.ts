import { taskRequest } from '../../helpers/task-request.js';
import { DEFAULT_RESTART_POLICY, type PortRequest, type TaskRequest } from '../../../src/task/index.js';
import type { NodeView, Resources } from '../../../src/scheduler/index.js';

// Builders for the scheduler's plain-data inputs: only the fields a test cares about are named.

export const GiB = 2 ** 30;

export function task(fields: Partial<TaskRequest> = {}): TaskRequest {
  return taskRequest('t-1', { name: 'web-1', ...fields });
}

export function port(hostPort: number, protocol: PortRequest['protocol'] = 'tcp'): PortRequest {
  return { containerPort: 80, hostPort, protocol };
}

export interface NodeFields {
  id: string;
  name?: string;
  up?: boolean;
  capacity?: Partial<Resources>;
  allocated?: Partial<Resources>;
  taskCount?: number;
  usedPorts?: readonly string[];
  cpuUsage?: number;
}

/** A node with 4 cores, 16 GiB and 100 GiB of disk, nothing allocated, unless told otherwise. */
export function node(f: NodeFields): NodeView {
  const view: NodeView = {
    id: f.id,
    name: f.name ?? f.id,
    up: f.up ?? true,
    capacity: { cpuCores: 4, memoryBytes: 16 * GiB, diskBytes: 100 * GiB, ...f.capacity },
    allocated: { cpuCores: 0, memoryBytes: 0, diskBytes: 0, ...f.allocated },
    taskCount: f.taskCount ?? 0,
    usedPorts: new Set(f.usedPorts ?? []),
  };
  if (f.cpuUsage !== undefined) view.cpuUsage = f.cpuUsage;
  return view;
}
