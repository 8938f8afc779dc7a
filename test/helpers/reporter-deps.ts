import pino from 'pino';
import type { HostSnapshot } from '../../src/stats/index.js';
import type { ReportedWorker, ReporterDeps, ReporterManager } from '../../src/worker/reporter.js';

/** A host's figures as a worker's reporter reads them: fixed, for tests of what it sends. */
export const HOST_SNAPSHOT = {
  cpuUsage: 0.1,
  load: { load1: 0.5 },
  memory: { availableBytes: 1024 },
  disk: { freeBytes: 2048 },
} as unknown as HostSnapshot;

/** A reporter's deps for node w1 on a fixed host, silent, with `manager` and `worker` as the test gives. */
export function reporterDeps(manager: ReporterManager, worker: ReportedWorker): ReporterDeps {
  return {
    manager,
    worker,
    nodeId: '00000000-0000-4000-8000-000000000001',
    name: 'w1',
    url: 'http://127.0.0.1:2',
    capacity: { cpuCores: 2, memoryBytes: 1 << 30, diskBytes: 1 << 30 },
    readHost: async () => HOST_SNAPSHOT,
    log: pino({ level: 'silent' }),
  };
}
