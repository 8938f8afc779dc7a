import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { EndpointView, ServiceEndpointsView, ServicePortView } from '../../../src/api/endpoints.js';
import { EndpointTable } from '../../../src/discovery/index.js';
import { startProxy, type Proxy, type ProxyOptions, type VipAddresses } from '../../../src/proxy/index.js';

// Real sockets on a random 127.x.y.0/24 of the loopback network: the proxy listens on 127.x.y.1
// (its "virtual IP", added by a recording stand-in for `ip addr`), replicas are plain node servers
// on 127.x.y.2, .3, ... on the same port, and 127.x.y.9 is a replica nothing listens on.

export const EPOCH = 'e1';

export function block(): string {
  return `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}`;
}

export class RecordingVips implements VipAddresses {
  readonly added: string[] = [];
  readonly removed: string[] = [];
  async add(vip: string): Promise<void> {
    this.added.push(vip);
  }
  async remove(vip: string): Promise<void> {
    this.removed.push(vip);
  }
}

export function endpoint(taskId: string, address: string, state: EndpointView['state'] = 'ready'): EndpointView {
  return { taskId, slot: 1, version: 1, nodeId: null, node: null, state, address, ports: [] };
}

export function serviceView(
  name: string,
  vip: string,
  ports: ServicePortView[],
  endpoints: EndpointView[],
): ServiceEndpointsView {
  return { service: name, vip, dnsNames: [], ports, endpoints, revision: 1 };
}

/** A tcp replica: says its name on connect, then echoes; `sockets` are its open connections. */
export interface TcpReplica {
  name: string;
  server: Server;
  sockets: Set<Socket>;
  /** What each connection received, in order (a PROXY header first when one is sent). */
  received: Buffer[];
}

async function listen(server: Server | HttpServer, host: string, port: number): Promise<number> {
  server.listen({ host, port, exclusive: true });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function tcpReplica(name: string, host: string, port: number): Promise<TcpReplica & { port: number }> {
  const replica: TcpReplica = { name, server: createServer(), sockets: new Set(), received: [] };
  replica.server.on('connection', (socket) => {
    replica.sockets.add(socket);
    socket.once('close', () => replica.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const index = replica.received.push(Buffer.alloc(0)) - 1;
    socket.on('data', (chunk: Buffer) => (replica.received[index] = Buffer.concat([replica.received[index]!, chunk])));
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  return { ...replica, port: await listen(replica.server, host, port) };
}

export interface HttpReplica {
  name: string;
  server: HttpServer;
  requests: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    socketPort: number;
    body: string;
  }>;
}

export async function httpReplica(name: string, host: string, port: number): Promise<HttpReplica & { port: number }> {
  const replica: HttpReplica = { name, server: createHttpServer(), requests: [] };
  replica.server.on('request', (req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      replica.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        socketPort: req.socket.remotePort ?? 0,
        body,
      });
      res.end(name);
    });
  });
  return { ...replica, port: await listen(replica.server, host, port) };
}

export async function closeAll(servers: Array<Server | HttpServer>): Promise<void> {
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}

/** Connects to `host:port` from `from`, and resolves with the first line the far side says. */
export async function greet(host: string, port: number, from?: string): Promise<{ socket: Socket; line: string }> {
  const socket = connect({ host, port, localAddress: from });
  socket.setEncoding('utf8');
  let got = '';
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a line (got "${got}")`)));
    socket.on('data', function onData(chunk: string) {
      got += chunk;
      const nl = got.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      socket.removeAllListeners('close');
      resolve({ socket, line: got.slice(0, nl) });
    });
  });
}

/** Connects, reads the replica's name and closes; resolves once the connection is fully closed. */
export async function oneShot(host: string, port: number): Promise<string> {
  const { socket, line } = await greet(host, port);
  socket.resume();
  const closed = once(socket, 'close');
  socket.end();
  await closed;
  return line;
}

export async function metric(registry: Registry, name: string, service: string): Promise<number> {
  const all = await registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === name);
  const values = (m?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>;
  return values.filter((v) => v.labels.service === service).reduce((sum, v) => sum + v.value, 0);
}

export interface Rig {
  table: EndpointTable;
  proxy: Proxy;
  registry: Registry;
  vips: RecordingVips;
}

export async function startRig(
  services: ServiceEndpointsView[],
  opts: Pick<ProxyOptions, 'connectTimeoutMs' | 'responseTimeoutMs' | 'mesh' | 'udp' | 'clock'> = {},
): Promise<Rig> {
  const table = new EndpointTable();
  table.apply({ type: 'snapshot', epoch: EPOCH, revision: 1, services });
  const registry = new Registry();
  const vips = new RecordingVips();
  const proxy = await startProxy({
    table,
    network: 'unused',
    logger: pino({ level: 'silent' }),
    registry,
    vips,
    connectTimeoutMs: opts.connectTimeoutMs ?? 2_000,
    ...(opts.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: opts.responseTimeoutMs }),
    ...(opts.mesh === undefined ? {} : { mesh: opts.mesh }),
    ...(opts.udp === undefined ? {} : { udp: opts.udp }),
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
  return { table, proxy, registry, vips };
}
