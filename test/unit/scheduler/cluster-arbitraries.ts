import fc from 'fast-check';
import type { NodeView } from '../../../src/scheduler/index.js';
import type { TaskRequest } from '../../../src/task/index.js';
import { GiB, node, port, task } from './fixtures.js';

// Random clusters and tasks for the fast path's properties: small amounts on small nodes, so
// full nodes, down nodes and taken ports are common and both outcomes (placed, explained) occur.

const PORTS = [0, 80, 443] as const;
const PROTOCOLS = ['tcp', 'udp'] as const;
const USED_PORT_KEYS = PORTS.filter((p) => p !== 0).flatMap((p) => PROTOCOLS.map((proto) => `${p}/${proto}`));

export const arbNode: fc.Arbitrary<NodeView> = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 3 }),
    up: fc.constantFrom(true, true, true, false),
    cpu: fc.integer({ min: 0, max: 8 }),
    cpuAllocated: fc.integer({ min: 0, max: 8 }),
    memGiB: fc.integer({ min: 0, max: 8 }),
    memAllocatedGiB: fc.integer({ min: 0, max: 8 }),
    disk: fc.integer({ min: 0, max: 4 }),
    diskAllocated: fc.integer({ min: 0, max: 2 }),
    taskCount: fc.integer({ min: 0, max: 120 }),
    usedPorts: fc.subarray(USED_PORT_KEYS, { maxLength: 2 }),
    cpuUsage: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map((r) => {
    const n = node({
      id: r.id,
      up: r.up,
      capacity: { cpuCores: r.cpu / 2, memoryBytes: r.memGiB * GiB, diskBytes: r.disk * GiB },
      allocated: {
        cpuCores: r.cpuAllocated / 4,
        memoryBytes: (r.memAllocatedGiB * GiB) / 2,
        diskBytes: r.diskAllocated * GiB,
      },
      taskCount: r.taskCount,
      usedPorts: r.usedPorts,
    });
    if (r.cpuUsage !== undefined) n.cpuUsage = r.cpuUsage;
    return n;
  });

export const arbTask: fc.Arbitrary<TaskRequest> = fc
  .record({
    cpuQuarters: fc.integer({ min: 0, max: 6 }),
    memHalfGiB: fc.integer({ min: 0, max: 6 }),
    diskGiB: fc.integer({ min: 0, max: 2 }),
    ports: fc.array(fc.record({ hostPort: fc.constantFrom(...PORTS), protocol: fc.constantFrom(...PROTOCOLS) }), {
      maxLength: 1,
    }),
  })
  .map((r) =>
    task({
      cpuCores: r.cpuQuarters / 4,
      memoryBytes: (r.memHalfGiB * GiB) / 2,
      diskBytes: r.diskGiB * GiB,
      ports: r.ports.map((p) => port(p.hostPort, p.protocol)),
    }),
  );

/** Up to 14 nodes: more than the small sample sizes the properties use, so the index path runs. */
export const arbNodes = fc.uniqueArray(arbNode, { selector: (n) => n.id, minLength: 1, maxLength: 14 });
