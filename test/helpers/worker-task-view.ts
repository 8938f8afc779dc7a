import type { WorkerTaskView } from '../../src/api/index.js';

/** A worker's view of a task it runs, every field filled in: Running, generation 0, no ports, no health check. */
export function workerTaskView(id: string, fields: Partial<WorkerTaskView> = {}): WorkerTaskView {
  return {
    id,
    name: id,
    image: 'nginx:1.27',
    command: [],
    state: 'Running',
    generation: 0,
    containerId: `ctr-${id}`,
    exitCode: null,
    reason: 'running',
    ports: [],
    cpu: 0,
    memory: 0,
    disk: 0,
    labels: {},
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    startedAt: null,
    finishedAt: null,
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  };
}
