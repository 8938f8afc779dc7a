import type { NodeStatusView } from '../../src/api/index.js';

const GiB = 2 ** 30;

/** A node as `GET /nodes` lists it, every field filled in: n1, Up and active, 1.5 of 4 cores and 2 of 8 GiB allocated. */
export function nodeStatusView(over: Partial<NodeStatusView> = {}): NodeStatusView {
  return {
    id: '7f3c0000-0000-4000-8000-000000000001',
    name: 'n1',
    url: 'https://10.0.0.1:5556',
    state: 'Up',
    lastHeartbeat: '2026-12-04T11:59:58Z',
    capacity: { cpuCores: 4, memoryBytes: 8 * GiB, diskBytes: 100 * GiB },
    allocated: { cpuCores: 1.5, memoryBytes: 2 * GiB, diskBytes: 0 },
    free: { cpuCores: 2.5, memoryBytes: 6 * GiB, diskBytes: 100 * GiB },
    taskCount: 2,
    load1: 0.5,
    cpuUsage: 0.25,
    memoryAvailableBytes: 5 * GiB,
    engine: { available: true, since: '2026-12-04T11:00:00Z', reason: '' },
    availability: 'active',
    conditions: [],
    labels: { zone: 'a', disk: 'ssd' },
    allowedHostPaths: ['/srv'],
    portsInUse: ['22/tcp', '5555/tcp'],
    version: '0.1.0',
    hostId: 'rack1-host3',
    ...over,
  };
}
