import type { EndpointView } from '../api/endpoints.js';

// Direct or through the mesh: a replica on this proxy's own machine is reached at its container
// address; one on another machine only its own host reaches, so the proxy asks that host's
// worker for a tunnel to it (`via`, the Worker API's URL). Anything not known (an older manager
// or worker, a proxy started without a host id) goes direct, as before the mesh.

/** Where a tunnelled replica's worker listens. */
export interface TunnelHop {
  host: string;
  port: number;
  /** The host, for the TLS handshake's server name check; as in the URL (IPv6 without brackets). */
  hostname: string;
  /** The node id the worker's certificate must name; absent: any worker certificate of the cluster. */
  nodeId?: string;
}

/** A replica to connect to: its task and where it listens. */
export interface Target {
  taskId: string;
  address: string;
  port: number;
  /** What replicas are set aside by: `address:port`, and `@host` for one reached through its worker. */
  key: string;
  /** Through its worker's tunnel (another machine); absent: direct. */
  via?: TunnelHop;
}

/** The worker to tunnel through for `e`, or undefined to go direct (same machine, or not known). */
export function tunnelHop(
  e: Pick<EndpointView, 'hostId' | 'via' | 'viaNode'>,
  ownHostId: string | undefined,
): TunnelHop | undefined {
  if (ownHostId === undefined || e.hostId === undefined || e.via === undefined || e.hostId === ownHostId)
    return undefined;
  let url: URL;
  try {
    url = new URL(e.via);
  } catch {
    return undefined; // the manager checked it at register: never here, but never a throw per pick
  }
  if (url.protocol !== 'https:') return undefined;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const hop = { host: hostname, hostname, port: url.port === '' ? 443 : Number(url.port) };
  return e.viaNode === undefined ? hop : { ...hop, nodeId: e.viaNode };
}

/**
 * The target of `e`'s `port`; undefined while it has no address. A udp port's key says so
 * (`address:port/udp`): its failures never set aside the tcp port of the same number.
 */
export function targetOf(
  e: EndpointView,
  port: number,
  ownHostId: string | undefined,
  protocol: 'tcp' | 'udp' = 'tcp',
): Target | undefined {
  if (e.address === null) return undefined;
  const via = tunnelHop(e, ownHostId);
  const at = protocol === 'udp' ? `${e.address}:${port}/udp` : `${e.address}:${port}`;
  const key = via === undefined ? at : `${at}@${e.hostId ?? ''}`;
  return via === undefined
    ? { taskId: e.taskId, address: e.address, port, key }
    : { taskId: e.taskId, address: e.address, port, key, via };
}
