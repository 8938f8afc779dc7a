import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock/index.js';
import { buildServer, identifyByCertificate, type ServerTls } from '../http/index.js';
import type { Driver } from '../driver/index.js';
import type { HostSnapshot } from '../stats/index.js';
import type { SpecLimits } from '../task/index.js';
import { workerRoutes } from './routes.js';
import { revokedRoute } from './revoked-route.js';
import type { RevokedNodes } from './revoked-nodes.js';
import { TunnelServer } from './tunnel-server.js';
import type { Worker } from './worker.js';

const WORKER_API_INFO = {
  title: 'Poseidon Worker API',
  version: '1',
  description:
    "A worker's tasks, as the manager starts, stops and reads them: idempotent by task id and generation. " +
    "HTTPS with mutual TLS: a manager certificate of the worker's cluster.",
};

export interface WorkerServerDeps {
  /** Told of each route as it is declared (a test checks GET /openapi.json describes every one). */
  onRoute?: (route: RouteOptions) => void;
  worker: Worker;
  driver: Driver;
  limits: SpecLimits;
  readHost(): Promise<HostSnapshot>;
  log: Logger;
  metrics: Registry;
  clock: Clock;
  /** The worker's node certificate; the server asks callers for one of the same CA (mutual TLS). */
  tls: ServerTls;
  /** Tunnels open at once at most (DEFAULT_MAX_TUNNELS unless a test sets another). */
  maxTunnels?: number;
  /** The nodes removed from the cluster, as the manager said: refused everywhere; absent: none known. */
  revoked?: RevokedNodes;
}

/**
 * The Worker API server, built but not listening: HTTPS with the worker's node certificate, every
 * route but /healthz for a manager certificate of its cluster only (GET /metrics too: a worker
 * knows no API tokens), and the tunnel (an upgrade) for a worker certificate: other hosts' proxies.
 */
export async function createWorkerServer(deps: WorkerServerDeps): Promise<FastifyInstance> {
  const revoked = deps.revoked;
  const certificates = {
    now: () => deps.clock.now(),
    ...(revoked === undefined ? {} : { isRevoked: (nodeId: string) => revoked.has(nodeId) }),
  };
  const app = buildServer({
    log: deps.log,
    metrics: deps.metrics,
    component: 'worker',
    tls: deps.tls,
    identify: identifyByCertificate(certificates),
    metricsAccess: 'manager',
    // only the manager calls a worker: its description is for the manager's certificate too
    openapi: { info: WORKER_API_INFO, access: 'manager' },
    ...(deps.onRoute === undefined ? {} : { onRoute: deps.onRoute }),
  });
  const tunnels = new TunnelServer(app.server, {
    task: (id) => deps.worker.get(id),
    log: deps.log,
    metrics: deps.metrics,
    ...certificates,
    ...(deps.maxTunnels === undefined ? {} : { maxTunnels: deps.maxTunnels }),
  });
  // a node removed while it holds a tunnel: the tunnel ends too
  const unsubscribe = revoked?.onRevoked(() => tunnels.dropRevoked());
  // the server's close waits for every connection: an open tunnel would hold it forever
  app.addHook('preClose', async () => {
    unsubscribe?.();
    tunnels.close();
  });
  await app.register(workerRoutes, {
    worker: deps.worker,
    driver: deps.driver,
    limits: deps.limits,
    readHost: deps.readHost,
    ...(revoked === undefined ? {} : { revokedVersion: () => revoked.version }),
  });
  if (revoked !== undefined) await app.register(revokedRoute, { revoked });
  return app;
}
