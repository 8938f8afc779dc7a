import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { TaskNotFound } from '../../../src/errors/index.js';
import { httpsOptions } from '../../../src/http/server-tls.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../../../src/pki/index.js';
import { TunnelServer } from '../../../src/worker/tunnel-server.js';

// A worker's tunnel on a real HTTPS server with mutual TLS, on loopback, with the tasks a test
// gives it, and the certificates of its cluster (and of another) to call it with.

const HOUR = 3_600_000;

export interface Cert {
  cert: string;
  key: string;
}

export interface Cluster {
  ca: string;
  issue(role: CertRole): Promise<Cert>;
}

export async function cluster(): Promise<Cluster> {
  const ca = (await ClusterCa.create(Date.now())).ca;
  return {
    ca: ca.certPem,
    async issue(role) {
      const { keyPem, csrPem } = await newKeyAndCsr();
      const cert = await ca.issue({
        publicKey: await publicKeyOfCsr(csrPem),
        nodeId: crypto.randomUUID(),
        role,
        addresses: ['127.0.0.1'],
        notBeforeMs: Date.now() - HOUR,
        notAfterMs: Date.now() + HOUR,
      });
      return { cert, key: keyPem };
    },
  };
}

export interface TunnelWorker {
  url: string;
  port: number;
  tunnels: TunnelServer;
  registry: Registry;
  close(): Promise<void>;
}

/** A worker's HTTPS server (a worker certificate of `c`) serving only the tunnel, to `tasks`. */
export async function tunnelWorker(
  c: Cluster,
  tasks: Map<string, WorkerTaskView>,
  opts: { maxTunnels?: number } = {},
): Promise<TunnelWorker> {
  const own = await c.issue('worker');
  const server: Server = createServer(httpsOptions({ ...own, ca: c.ca }), (_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const registry = new Registry();
  const tunnels = new TunnelServer(server, {
    task: (id) => {
      const t = tasks.get(id);
      if (t === undefined) throw new TaskNotFound(id);
      return t;
    },
    log: pino({ level: 'silent' }),
    metrics: registry,
    now: () => Date.now(),
    ...opts,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    tunnels,
    registry,
    async close() {
      tunnels.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A tunnel metric's value, by outcome (`opened`, `refused`, …) or the open gauge. */
export async function tunnelCount(registry: Registry, outcome?: string): Promise<number> {
  const all = await registry.getMetricsAsJSON();
  const name = outcome === undefined ? 'poseidon_tunnels_open' : 'poseidon_tunnel_connections_total';
  const values = (all.find((m) => m.name === name)?.values ?? []) as Array<{
    labels: Record<string, string | number>;
    value: number;
  }>;
  return values.filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((s, v) => s + v.value, 0);
}

/** An upgrade request as anyone may send it; resolves with the answer's status and body (or what followed a 101). */
export async function askTunnel(
  port: number,
  path: string,
  tls: { ca: string; cert?: string; key?: string },
  headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'poseidon-tunnel/1' },
): Promise<{ status: number; text: string }> {
  const socket = connect({ host: '127.0.0.1', port, ...tls, checkServerIdentity: () => undefined });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`);
  let got = '';
  socket.setEncoding('utf8');
  return new Promise((resolve) => {
    const done = (): void => {
      const status = Number(/^HTTP\/1\.1 ([0-9]{3})/.exec(got)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, text: got.slice(got.indexOf('\r\n\r\n') + 4) });
    };
    socket.on('data', (c: string) => {
      got += c;
      // a 101 is followed by the replica's greeting line
      if (got.startsWith('HTTP/1.1 101') && /\r\n\r\n.*\n/s.test(got)) done();
    });
    socket.on('close', done);
  });
}
