import type Docker from 'dockerode';
import { LABEL_GENERATION, LABEL_TASK_ID } from '../labels.js';
import type { BoundPort, ContainerState } from '../types.js';

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
  };
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
