import type { EndpointState, EndpointView, ServiceEndpointsView, ServicePortView } from '../../api/index.js';
import { DNS_ZONE } from '../../discovery/index.js';
import { isActive, TaskState } from '../../task/index.js';
import type { NodeRecord, TaskRecord } from '../records.js';
import { passesHealth } from '../services/replica-state.js';
import type { ServiceRecord } from '../services/service-record.js';

// What discovery shows of a service, read from its records: pure, so the table (endpoint-book.ts)
// only decides when to look again and what changed.

/**
 * A replica task's endpoint state. A task the manager wants stopped that still holds a container
 * is `draining` (the stop waits for the drain gate); placed but not running, or running with a
 * health check (its own, or its image's) that has not passed yet, `starting`.
 */
export function endpointState(t: TaskRecord): EndpointState {
  if (t.desired === 'stopped') return 'draining';
  if (t.state !== TaskState.Running) return 'starting';
  if (passesHealth(t)) return 'ready';
  return t.health.status === 'unhealthy' ? 'unhealthy' : 'starting';
}

/** Whether the task is an endpoint at all: placed on a node, and holding (or about to hold) a container. */
export function isEndpoint(t: TaskRecord): boolean {
  return t.nodeId !== null && isActive(t.state);
}

/** What an endpoint shows of its node's record. */
export type EndpointNode = Pick<NodeRecord, 'name' | 'url' | 'hostId'> & Partial<Pick<NodeRecord, 'id' | 'static'>>;

/** Finds a node's record by id; undefined for a node no longer known (its id is shown for its name). */
export type NodeLookup = (nodeId: string) => EndpointNode | undefined;

export function toEndpoint(t: TaskRecord, nodeOf: NodeLookup): EndpointView {
  const running = t.state === TaskState.Running;
  const node = t.nodeId === null ? undefined : nodeOf(t.nodeId);
  return {
    taskId: t.request.id,
    slot: t.service?.slot ?? 0,
    version: t.service?.version ?? 0,
    nodeId: t.nodeId,
    node: t.nodeId === null ? null : (node?.name ?? t.nodeId),
    state: endpointState(t),
    address: running ? (t.address ?? null) : null,
    ports: running ? boundPorts(t) : [],
    // where a proxy on another machine reaches it: set only when known, so older views compare as before
    ...(node?.hostId === undefined ? {} : { hostId: node.hostId }),
    ...(node === undefined ? {} : { via: node.url }),
    // whose certificate a tunnel to `via` must meet: another worker's there gets no tunnel
    ...(node?.id === undefined || node.static === true ? {} : { viaNode: node.id }),
  };
}

/** The host ports its container bound, each with the host address the task asked for it (set only then). */
function boundPorts(t: TaskRecord): EndpointView['ports'] {
  return t.ports
    .filter((p) => p.host > 0)
    .map((p) => {
      const hostIp = t.request.ports.find((q) => q.containerPort === p.container && q.protocol === p.protocol)?.hostIp;
      return {
        container: p.container,
        host: p.host,
        protocol: p.protocol,
        ...(hostIp === undefined ? {} : { hostIp }),
      };
    });
}

export function servicePorts(rec: ServiceRecord): ServicePortView[] {
  return (rec.spec.task.ports ?? []).map((p) => ({
    name: p.name ?? null,
    port: p.container,
    protocol: p.protocol ?? 'tcp',
    // the host proxy's balancing and PROXY header for this port, as the template says
    ...(p.balance === undefined ? {} : { balance: p.balance }),
    ...(p.proxyProtocol === undefined ? {} : { proxyProtocol: p.proxyProtocol }),
  }));
}

/** `<svc>.svc.poseidon.cluster`, `tasks.<svc>...`, and `_<port>._<tcp|udp>.<svc>...` for each named port. */
export function dnsNames(rec: ServiceRecord): string[] {
  const names = [`${rec.name}.${DNS_ZONE}`, `tasks.${rec.name}.${DNS_ZONE}`];
  for (const p of servicePorts(rec))
    if (p.name !== null) names.push(`_${p.name}._${p.protocol === 'udp' ? 'udp' : 'tcp'}.${rec.name}.${DNS_ZONE}`);
  return names;
}

/** The service's view without its revision (the table sets it); endpoints by slot, then version. */
export function serviceEndpoints(
  rec: ServiceRecord,
  tasks: Iterable<TaskRecord>,
  nodeOf: NodeLookup,
): Omit<ServiceEndpointsView, 'revision'> {
  const endpoints = endpointsOf(tasks, nodeOf);
  return { service: rec.name, vip: rec.vip ?? '', dnsNames: dnsNames(rec), ports: servicePorts(rec), endpoints };
}

/** The endpoints of these replica tasks, by slot, then version. */
export function endpointsOf(tasks: Iterable<TaskRecord>, nodeOf: NodeLookup): EndpointView[] {
  const endpoints: EndpointView[] = [];
  for (const t of tasks) if (isEndpoint(t)) endpoints.push(toEndpoint(t, nodeOf));
  return endpoints.sort((a, b) => a.slot - b.slot || a.version - b.version || (a.taskId < b.taskId ? -1 : 1));
}
