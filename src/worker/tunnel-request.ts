import type { IncomingHttpHeaders } from 'node:http';
import { SERVICE_LABEL, type ErrorBody, type WorkerTaskView } from '../api/index.js';
import { ERRORS, type ErrorCode } from '../errors/index.js';

// The worker's side of the mesh: a proxy on another host asks this worker for a byte stream to
// one of its replicas' ports (`GET /tunnel/{taskId}/{port}`, `Upgrade: poseidon-tunnel/1`), or
// for the datagrams of a udp port (`?proto=udp`: each one framed, src/tunnel/udp-frames.ts). What
// is asked, and whether it is granted, is decided here without I/O; tunnel-server.ts carries it out.

/** The protocol named in the Upgrade header, both ways. */
export const TUNNEL_PROTOCOL = 'poseidon-tunnel/1';
/** The route, as refusals and logs name it. */
export const TUNNEL_ROUTE = 'GET /tunnel/{taskId}/{port}';

const PATH = /^\/tunnel\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\/([1-9][0-9]{0,4})$/;

/** A request the tunnel does not grant: its status and error body. */
export interface TunnelRefusal {
  status: number;
  body: ErrorBody;
}

export type TunnelProto = 'tcp' | 'udp';
export type TunnelAsk =
  { ok: true; taskId: string; port: number; proto: TunnelProto } | { ok: false; refusal: TunnelRefusal };
export type TunnelGrant =
  { ok: true; address: string; port: number; proto: TunnelProto } | { ok: false; refusal: TunnelRefusal };

export function tunnelRefusal(code: ErrorCode, message: string): TunnelRefusal {
  return { status: ERRORS[code].status, body: { error: { code, message } } };
}

/** Whether the upgrade's path is the tunnel's (anything else is answered 404, as an unknown route). */
export function isTunnelPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/tunnel/');
}

/** What an upgrade request to the tunnel asks for, or why it is not one. */
export function parseTunnelRequest(method: string | undefined, url: string, headers: IncomingHttpHeaders): TunnelAsk {
  const q = url.indexOf('?');
  const m = PATH.exec(q < 0 ? url : url.slice(0, q));
  const port = m === null ? NaN : Number(m[2]);
  if (method !== 'GET' || m === null || port > 65_535)
    return refused(
      'invalid_request',
      `${method ?? '?'} ${url.slice(0, 200)} is not ${TUNNEL_ROUTE} with a port 1-65535`,
    );
  if (headers.upgrade?.toLowerCase() !== TUNNEL_PROTOCOL)
    return refused('invalid_request', `${TUNNEL_ROUTE} needs the header Upgrade: ${TUNNEL_PROTOCOL}`);
  const proto = q < 0 ? 'tcp' : protoOf(url.slice(q + 1));
  if (proto === undefined)
    return refused('invalid_request', `${TUNNEL_ROUTE}: the query takes proto only, tcp or udp (the default tcp)`);
  return { ok: true, taskId: m[1] as string, port, proto };
}

/** `proto=tcp` or `proto=udp`, the query's one parameter; undefined for anything else. */
function protoOf(query: string): TunnelProto | undefined {
  const params = new URLSearchParams(query);
  const proto = params.get('proto');
  return [...params.keys()].length === 1 && (proto === 'tcp' || proto === 'udp') ? proto : undefined;
}

/**
 * Where a tunnel to `port` of this task goes: granted for a task of this worker that is a service
 * replica, Running, with an address on the Poseidon network, and only to a port its spec declares,
 * so the tunnel never reaches anything a service did not publish to its VIP. `task` is undefined
 * when this worker holds no such task.
 */
export function tunnelGrant(
  taskId: string,
  task: WorkerTaskView | undefined,
  port: number,
  proto: TunnelProto = 'tcp',
): TunnelGrant {
  if (task === undefined || task.labels[SERVICE_LABEL] === undefined)
    return refused('task_not_found', `no service replica ${taskId} on this worker`);
  if (!task.ports.some((p) => p.container === port && p.protocol === proto))
    return refused('not_found', `replica ${task.name} declares no ${proto} port ${port}`);
  if (task.state !== 'Running' || task.address === undefined)
    return refused(
      'task_not_running',
      `replica ${task.name} is ${task.state}${task.state === 'Running' ? ' with no address yet' : ''}, not serving`,
    );
  return { ok: true, address: task.address, port, proto };
}

function refused(code: ErrorCode, message: string): { ok: false; refusal: TunnelRefusal } {
  return { ok: false, refusal: tunnelRefusal(code, message) };
}
