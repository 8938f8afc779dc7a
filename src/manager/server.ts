import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { tokenRoutes, type TokenBook } from '../auth/index.js';
import { ClusterStatusView } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import {
  ACCESS_RECHECK_MS,
  anyIdentity,
  buildServer,
  identifyByCertificate,
  type ServerTimeouts,
  type ServerTls,
} from '../http/index.js';
import type { NodeAuthority } from '../pki/index.js';
import { EventStreams } from './event-stream.js';
import type { Manager } from './manager.js';
import { discoveryRoutes, WatchStreams } from './discovery/index.js';
import { consoleRoutes } from './console-route.js';
import { REVISION_HEADER } from './group/forward.js';
import { pkiRoutes } from './pki-routes.js';
import { managerRoutes } from './routes.js';
import { serviceRoutes } from './service-routes.js';

const MANAGER_API_INFO = {
  title: 'Poseidon Manager API',
  version: '1',
  description:
    'Tasks, services, nodes, volumes, events and API tokens of a Poseidon cluster, and what its workers call. ' +
    'HTTPS with the cluster CA; a Bearer API token for people and scripts, a node certificate for nodes. ' +
    'Errors: {"error": {"code", "message"}}.',
};

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
  workers(url: string, certNodeId: string | undefined): WorkerClient;
  /** GET /metrics without a token (`poseidon manager --metrics-open`). */
  metricsOpen?: boolean;
  /** `GET /status`: the managers and the store's members. */
  status?(): Promise<ClusterStatusView>;
  /** Told of each route as it is declared (a test checks GET /openapi.json describes every one). */
  onRoute?: (route: RouteOptions) => void;
  /** Managers as a group: a follower passes calls on to the leader (group/forward.ts). */
  first?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Managers as a group: etcd's revision after this leader's latest write, named in each answer to a change. */
  written?: () => bigint;
  /** Where the built web console is; absent: dist/console beside this package's code. */
  consoleDir?: string;
  /**
   * Bounds a test may lower: server deadlines, `GET /events` subscribers and their unread bytes, and
   * how often an open request's credentials are checked again.
   */
  limits?: {
    timeouts?: Partial<ServerTimeouts>;
    maxEventSubscribers?: number;
    maxEventBufferBytes?: number;
    recheckAccessMs?: number;
  };
}): Promise<FastifyInstance> {
  const limits = deps.limits ?? {};
  const byCertificate = identifyByCertificate({
    now: () => deps.clock.now(),
    isRevoked: (nodeId) => deps.manager.isRevoked(nodeId),
  });
  const identify = anyIdentity(byCertificate, (req) => deps.tokens.identify(req.headers.authorization, req.raw.socket));
  const app = buildServer({
    log: deps.log,
    metrics: deps.metrics,
    component: 'manager',
    tls: deps.tls,
    // per connection: a keep-alive client's next requests with the same header skip the hash
    identify,
    // a token revoked or expired while a stream of it is open (events, logs -f, exec, cp, a watch): it ends
    recheckAccessMs: limits.recheckAccessMs ?? ACCESS_RECHECK_MS,
    metricsAccess: deps.metricsOpen === true ? 'open' : 'read',
    // the API's description needs a read token, as every route does but those that get credentials
    openapi: { info: MANAGER_API_INFO, access: 'read' },
    ...(deps.first === undefined ? {} : { first: deps.first }),
    ...(limits.timeouts === undefined ? {} : { timeouts: limits.timeouts }),
    ...(deps.onRoute === undefined ? {} : { onRoute: deps.onRoute }),
  });
  const written = deps.written;
  if (written !== undefined)
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') reply.header(REVISION_HEADER, written().toString());
      return payload;
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
  if (status !== undefined)
    app.get('/status', { config: { access: 'read' }, schema: { response: { 200: ClusterStatusView } } }, async () =>
      status(),
    );
  await app.register(tokenRoutes, { tokens: deps.tokens });
  await app.register(pkiRoutes, { authority: deps.authority });
  await app.register(consoleRoutes, deps.consoleDir === undefined ? {} : { dir: deps.consoleDir });
  return app;
}
