import type { ManagerTaskView, NodeStatusView } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { nodeLabelsText } from '../task/constraint.js';
import { formatBytes } from '../units/index.js';
import { age, cores, detail, nodeState, table } from './format.js';
import { printable } from './terminal-text.js';

// `poseidon node inspect NODE`: one node as the manager knows it, for someone asking why a task
// does or does not go there (its labels, what is free, what holds its host ports, its engine),
// and the tasks placed on it.

/** The node whose name is `nameOrId`, or whose id is it or starts with it (alone); undefined when none. */
export function findNode(nodes: readonly NodeStatusView[], nameOrId: string): NodeStatusView | undefined {
  const byName = nodes.find((n) => n.name === nameOrId);
  if (byName !== undefined) return byName;
  const byId = nodes.filter((n) => n.id.startsWith(nameOrId));
  return byId.length === 1 ? byId[0] : undefined;
}

/** No node by that name or id; the message names the nodes there are. */
export class NoSuchNode extends PoseidonError {
  constructor(nameOrId: string, nodes: ReadonlyArray<Pick<NodeStatusView, 'name'>>) {
    const names = nodes.map((n) => printable(n.name)).join(', ') || 'none has joined';
    super('node_not_found', `no node ${printable(nameOrId)} (the nodes: ${names})`);
  }
}

const AVAILABILITY_SHOWN: Readonly<Record<NodeStatusView['availability'], string>> = {
  active: 'active',
  drain: 'drain (nothing new goes there; its tasks move)',
  pause: 'pause (nothing new goes there; its tasks stay)',
};

export function nodeDetail(
  n: NodeStatusView,
  tasks: ReadonlyArray<Pick<ManagerTaskView, 'id' | 'name' | 'state' | 'cpu' | 'memory'>>,
  nowMs: number,
): string {
  const engine = n.engine;
  const resource = (what: 'cpu' | 'memory' | 'disk'): string => {
    const show = (r: NodeStatusView['capacity']): string =>
      what === 'cpu' ? `${cores(r.cpuCores)} cores` : formatBytes(what === 'memory' ? r.memoryBytes : r.diskBytes);
    return `${show(n.allocated)} allocated of ${show(n.capacity)}, ${show(n.free)} free`;
  };
  const rows: Array<[string, string]> = [
    ['Name', n.name],
    ['ID', n.id],
    ['State', nodeState(n, nowMs)],
    ['Availability', AVAILABILITY_SHOWN[n.availability]],
    ['Address', n.url],
    ['Version', n.version ?? 'not known (a worker older than versions)'],
    // the proxy mesh: replicas on this host are connected to directly, others through a tunnel
    ['Host ID', n.hostId ?? 'not known (a worker older than host ids)'],
    // a worker older than the manager: tasks that set these fields go to other nodes
    ...(n.specFieldsUnread === undefined || n.specFieldsUnread.length === 0
      ? []
      : [['Spec fields not read', `${n.specFieldsUnread.join(', ')} (upgrade its worker)`] as [string, string]]),
    ['Heartbeat', n.lastHeartbeat === null ? 'never' : `${age(n.lastHeartbeat, nowMs)} ago`],
    [
      'Engine',
      engine === null
        ? 'not heard of yet'
        : engine.available
          ? `available for ${age(engine.since, nowMs)}`
          : `unavailable for ${age(engine.since, nowMs)}: ${engine.reason}`,
    ],
    ['Conditions', n.conditions.join('; ') || '-'],
    ['Labels', nodeLabelsText(n.labels, n.operatorLabels)],
    ['CPU', resource('cpu')],
    ['Memory', resource('memory')],
    ['Disk', resource('disk')],
    [
      'Host',
      `cpu ${(n.cpuUsage * 100).toFixed(0)}% busy, load ${n.load1.toFixed(2)}, ` +
        `${formatBytes(n.memoryAvailableBytes)} memory available`,
    ],
    ['Host ports held', n.portsInUse.join(', ') || '-'],
    ['Host paths allowed', n.allowedHostPaths.join(', ') || '-'],
    // beyond Docker's default set (--allow-cap): most workers give none, and say nothing of it
    ...(n.allowedCaps === undefined || n.allowedCaps.length === 0
      ? []
      : [['Capabilities allowed', n.allowedCaps.join(', ')] as [string, string]]),
    ['Tasks', String(n.taskCount)],
  ];
  const out = [detail(rows)];
  if (tasks.length > 0)
    out.push(
      '',
      table(
        ['TASK', 'NAME', 'STATE', 'CPU', 'MEMORY'],
        tasks.map((t) => [t.id.slice(0, 8), t.name, t.state, cores(t.cpu), formatBytes(t.memory)]),
      ),
    );
  return out.join('\n');
}
