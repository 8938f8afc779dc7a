import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { tokenRoutes, type TokenBook } from '../auth/index.js';
import type { ClusterStatusView } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import { anyIdentity, buildServer, identifyByCertificate, type ServerTimeouts, type ServerTls } from '../http/index.js';
import type { NodeAuthority } from '../pki/index.js';
import { EventStreams } from './event-stream.js';
import type { Manager } from './manager.js';
import { discoveryRoutes, WatchStreams } from './discovery/index.js';
import { pkiRoutes } from './pki-routes.js';
import { managerRoutes } from './routes.js';
import { serviceRoutes } from './service-routes.js';

/**
 * The Manager API server, built but not listening: HTTPS with the manager's certificate, asking
 * callers for one of the cluster's (mutual TLS). Every route but /healthz, /ca and /join wants
 * credentials: a node certificate (workers) or an API token (people, scripts).
 */
export async function createManagerServer(deps: {
  manager: Manager;
  log: Logger;
  metrics: Registry;
  clock: Clock;
  /** API tokens: who a Bearer header says is calling, and the /tokens routes. */
  tokens: TokenBook;
  /** The cluster CA, the join token, node certificates. */
  authority: NodeAuthority;
  /** The manager's own certificate (renewed with setServerTls). */
  tls: ServerTls;
  /** A client per worker URL, with the manager's certificate (logs and stats go through it). */
  workers(url: string): WorkerClient;
  /** GET /metrics without a token (`poseidon manager --metrics-open`). */
  metricsOpen?: boolean;
  /** `GET /status`: the managers and the store's members. */
  status?(): Promise<ClusterStatusView>;
  /** Managers as a group: a follower passes calls on to the leader (group/forward.ts). */
  first?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Bounds a test may lower: server deadlines, and `GET /events` subscribers and their unread bytes. */
  limits?: { timeouts?: Partial<ServerTimeouts>; maxEventSubscribers?: number; maxEventBufferBytes?: number };
}): Promise<FastifyInstance> {
  const limits = deps.limits ?? {};
  const byCertificate = identifyByCertificate({
    now: () => deps.clock.now(),
    isRevoked: (nodeId) => deps.manager.isRevoked(nodeId),
  });
  const app = buildServer({
    log: deps.log,
    metrics: deps.metrics,
    component: 'manager',
    tls: deps.tls,
    identify: anyIdentity(byCertificate, async (req) => deps.tokens.identify(req.headers.authorization)),
    metricsAccess: deps.metricsOpen === true ? 'open' : 'read',
    ...(deps.first === undefined ? {} : { first: deps.first }),
    ...(limits.timeouts === undefined ? {} : { timeouts: limits.timeouts }),
  });
  const events = new EventStreams({
    bus: deps.manager.events,
    log: deps.log,
    metrics: deps.metrics,
    ...(limits.maxEventSubscribers === undefined ? {} : { maxSubscribers: limits.maxEventSubscribers }),
    ...(limits.maxEventBufferBytes === undefined ? {} : { maxBufferedBytes: limits.maxEventBufferBytes }),
  });
  await app.register(managerRoutes, { manager: deps.manager, events, workers: deps.workers });
  await app.register(serviceRoutes, { services: deps.manager.services });
  const { discovery } = deps.manager;
  const watches = new WatchStreams({ book: discovery.book, consumers: discovery.consumers, log: deps.log });
  await app.register(discoveryRoutes, { discovery, watches });
  const status = deps.status;
  if (status !== undefined) app.get('/status', { config: { access: 'read' } }, async () => status());
  await app.register(tokenRoutes, { tokens: deps.tokens });
  await app.register(pkiRoutes, { authority: deps.authority });
  return app;
}
