import type { NodeStatusView } from '../api/index.js';
import { formatBytes } from '../units/index.js';
import { age, cores, nodeState } from './format.js';
import { formatField, rowFormat, type FormatField, type RowFormat } from './row-format.js';

// `poseidon node ls`: its table, and what `--format` may show of a node, under `docker node ls`'s
// names where they mean the same (.ID, .Hostname, .Status, .Availability).

/** The default table: NAME, STATE, ADDRESS, CPU and MEMORY (allocated/capacity), FREE MEMORY, TASKS, ... */
const NODE_TABLE =
  'table {{.Name}}\t{{.Status}}\t{{.Address}}\t{{.CPU}}\t{{.Memory}}\t{{.FreeMemory}}\t{{.Tasks}}\t{{.Load}}\t' +
  '{{.Heartbeat}}\t{{.Version}}\t{{.Labels}}';

/** The fields, as of `nowMs` (a heartbeat's age). */
export function nodeFields(nowMs: number): Array<FormatField<NodeStatusView>> {
  const field = formatField<NodeStatusView>;
  return [
    field('ID', 'ID', (n) => n.id),
    field('Name', 'NAME', (n) => n.name),
    field('Hostname', 'HOSTNAME', (n) => n.name),
    field('Status', 'STATE', (n) => nodeState(n, nowMs)),
    field('State', 'STATE', (n) => n.state),
    // a manager from before drain sends no availability
    field('Availability', 'AVAILABILITY', (n) => n.availability ?? 'active'),
    field('Address', 'ADDRESS', (n) => n.url),
    field('CPU', 'CPU (alloc/cap)', (n) => `${cores(n.allocated.cpuCores)}/${cores(n.capacity.cpuCores)}`),
    field(
      'Memory',
      'MEMORY (alloc/cap)',
      (n) => `${formatBytes(n.allocated.memoryBytes)}/${formatBytes(n.capacity.memoryBytes)}`,
    ),
    field('FreeMemory', 'FREE MEMORY', (n) => formatBytes(n.free.memoryBytes)),
    field('Tasks', 'TASKS', (n) => String(n.taskCount)),
    field('Load', 'LOAD', (n) => n.load1.toFixed(2)),
    field('Heartbeat', 'HEARTBEAT', (n) => (n.lastHeartbeat === null ? 'never' : `${age(n.lastHeartbeat, nowMs)} ago`)),
    field('Version', 'VERSION', (n) => n.version ?? '-'), // workers older than versions send none
    field('Labels', 'LABELS', (n) => labelList(n.labels)),
  ];
}

/** `--format`'s value read (the default table when none); InvalidField names what it cannot print. */
export function nodeFormat(format: string | undefined, nowMs: number): RowFormat<NodeStatusView> {
  return rowFormat(format ?? 'table', nodeFields(nowMs), NODE_TABLE);
}

/** `zone=a,disk=ssd`, or `-`; a manager from before labels sends none. */
function labelList(labels: Readonly<Record<string, string>> | undefined): string {
  return (
    Object.entries(labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-'
  );
}
