import { DEFAULT_RESTART_POLICY, type TaskRequest } from '../../src/task/index.js';

/** A TaskRequest with every default filled in, for tests that build tasks by hand. */
export function taskRequest(id: string, fields: Partial<TaskRequest> = {}): TaskRequest {
  return {
    id,
    name: `web-${id.slice(0, 8)}`,
    image: 'nginx:1.27',
    command: [],
    env: {},
    cpuCores: 0,
    memoryBytes: 0,
    diskBytes: 0,
    ports: [],
    labels: {},
    restartPolicy: DEFAULT_RESTART_POLICY,
    healthCheck: null,
    ...fields,
  };
}
