import type { ManagerTaskView, ServiceTaskView } from '../../src/api/index.js';

const NOW = '2026-12-03T00:00:00.000Z';

/** A task as the manager shows it, every field filled in: Running and healthy on n1, generation 1. */
export function managerTaskView(fields: Partial<ManagerTaskView> = {}): ManagerTaskView {
  return {
    id: 'task-1',
    name: 'web-1',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f'],
    desiredState: 'running',
    state: 'Running',
    node: 'n1',
    nodeId: 'node-1',
    generation: 1,
    containerId: 'c1',
    exitCode: null,
    reason: 'running',
    ports: [],
    restarts: 0,
    restartAt: null,
    cpu: 0,
    memory: 0,
    disk: 0,
    labels: {},
    health: { status: 'healthy', failures: 0, lastOutput: 'HTTP 200', lastCheckedAt: NOW },
    submittedAt: NOW,
    startedAt: NOW,
    finishedAt: null,
    updatedAt: NOW,
    ...fields,
  };
}

/** Replica `slot` of service web, version 1, as managerTaskView (id task-SLOT, name web-SLOT). */
export function serviceTaskView(slot: number, fields: Partial<ServiceTaskView> = {}): ServiceTaskView {
  return {
    ...managerTaskView({ id: `task-${slot}`, name: `web-${slot}` }),
    service: 'web',
    slot,
    version: 1,
    ...fields,
  };
}
