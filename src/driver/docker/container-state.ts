import type Docker from 'dockerode';
import { LABEL_GENERATION, LABEL_TASK_ID } from '../labels.js';
import type { BoundPort, ContainerState, ContainerUsage } from '../types.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(t: string | undefined): string | null {
  return t === undefined || t === '' || t.startsWith('0001-') || t === ZERO_TIME ? null : new Date(t).toISOString();
}

/** Docker's inspect answer, in Poseidon's terms; `network`: the address on that network is the container's. */
export function fromInspect(info: Docker.ContainerInspectInfo, network?: string): ContainerState {
  const labels = info.Config.Labels ?? {};
  const state = info.State;
  const running = state.Running || state.Restarting;
  const finished = time(state.FinishedAt);
  return {
    containerId: info.Id,
    taskId: labels[LABEL_TASK_ID] ?? '',
    generation: Number(labels[LABEL_GENERATION] ?? 0) || 0,
    running,
    exitCode: running || finished === null ? null : state.ExitCode,
    startedAt: time(state.StartedAt),
    finishedAt: running ? null : finished,
    oomKilled: state.OOMKilled,
    error: state.Error ?? '',
    ports: boundPorts(info.NetworkSettings.Ports ?? {}),
    ipAddress: ipAddress(info.NetworkSettings, network),
    image: info.Config.Image,
    command: info.Config.Cmd ?? [],
    labels,
    ...engineHealth(state),
  };
}

/** The container's own HEALTHCHECK as the engine last judged it; nothing when it has none. */
function engineHealth(state: Docker.ContainerInspectInfo['State']): Pick<ContainerState, 'engineHealth'> {
  const h = (state as { Health?: { Status?: string; Log?: Array<{ Output?: string }> | null } }).Health;
  const status = h?.Status;
  if (status !== 'starting' && status !== 'healthy' && status !== 'unhealthy') return {};
  const last = h?.Log?.at(-1)?.Output ?? '';
  return { engineHealth: { status, lastOutput: last.trim() } };
}

/**
 * The top-level IPAddress is the default bridge's; newer engines deprecate it (and leave it empty
 * on user-defined networks), so the first network with an address stands in.
 */
function ipAddress(settings: Docker.ContainerInspectInfo['NetworkSettings'], network: string | undefined): string {
  const own = network === undefined ? undefined : settings.Networks?.[network]?.IPAddress;
  if (own !== undefined && own !== '') return own;
  const legacy = (settings as { IPAddress?: string }).IPAddress;
  if (legacy !== undefined && legacy !== '') return legacy;
  for (const network of Object.values(settings.Networks ?? {})) {
    if (typeof network.IPAddress === 'string' && network.IPAddress !== '') return network.IPAddress;
  }
  return '';
}

function boundPorts(ports: Docker.PortMap): BoundPort[] {
  const out: BoundPort[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [port, proto] = key.split('/');
    const protocol = proto === 'udp' ? 'udp' : 'tcp';
    // Docker lists one binding per address family; report the first (IPv4 comes first).
    const first = Array.isArray(bindings) ? bindings[0] : undefined;
    out.push({
      containerPort: Number(port),
      hostPort: first === undefined ? 0 : Number(first.HostPort),
      protocol,
      hostIp: first?.HostIp ?? '',
    });
  }
  return out.sort((a, b) => a.containerPort - b.containerPort);
}

/** What `docker stats` shows of a container: cpu in cores, memory in use less the page cache. */
export function usageFromStats(s: Docker.ContainerStats): ContainerUsage {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  const stats = (s.memory_stats.stats ?? {}) as Record<string, number | undefined>;
  // usage less the page cache (cgroup v1 "cache", v2 "inactive_file")
  const cache = stats.total_inactive_file ?? stats.inactive_file ?? stats.cache ?? 0;
  const limit = s.memory_stats.limit ?? 0;
  return {
    cpuCores: systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online : 0,
    memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
    memoryLimitBytes: limit > 2 ** 60 ? 0 : limit,
  };
}
