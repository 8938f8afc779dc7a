import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { TaskNotFound } from '../../../src/errors/index.js';
import { httpsOptions } from '../../../src/http/server-tls.js';
import { TunnelServer } from '../../../src/worker/tunnel-server.js';

// A worker's tunnel on a real HTTPS server with mutual TLS, on loopback, with the tasks a test
// gives it, and the certificates of its cluster (and of another) to call it with.

import type { TestCert, TestCluster } from '../../../testkit/test-tls.js';

export { testCluster as cluster } from '../../../testkit/test-tls.js';
export type Cert = TestCert;
export type Cluster = TestCluster;

export interface TunnelWorker {
  url: string;
  port: number;
  server: Server;
  tunnels: TunnelServer;
  registry: Registry;
  close(): Promise<void>;
}

/** A worker's HTTPS server (a worker certificate of `c`) serving only the tunnel, to `tasks`. */
export async function tunnelWorker(
  c: Cluster,
  tasks: Map<string, WorkerTaskView>,
  /**
   * `now`: the worker's clock, for a caller's certificate's expiry (Date.now unless a test sets
   * another); `isRevoked`: the nodes removed from the cluster (none unless a test sets some).
   */
  opts: { maxTunnels?: number; now?: () => number; isRevoked?: (nodeId: string) => boolean } = {},
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
    server,
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
