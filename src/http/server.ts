import { Type } from '@sinclair/typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { Access, Identify } from './access.js';
import { guardRoutes } from './access-guard.js';
import { recheckAccess } from './access-recheck.js';
import { sendError } from './error-handler.js';
import { httpsOptions, type ServerTls } from './server-tls.js';
import { PoseidonError } from '../errors/index.js';
import { registerOpenApi, serveOpenApi, textResponse, type OpenApiInfo } from './openapi.js';
import { BODY_LIMIT_BYTES, SERVER_TIMEOUTS, type ServerTimeouts } from './limits.js';
import { endStreamsOnClose } from './streams.js';
import { LazyChildLogger } from './lazy-child-logger.js';

class RouteNotFound extends PoseidonError {
  constructor(method: string, url: string) {
    super('not_found', `no route ${method} ${url}`);
  }
}

/** A request that came while the server stops (SIGTERM): the requests before it finish, it is not taken. */
class ServerStopping extends PoseidonError {
  constructor() {
    super('server_stopping', 'the server is stopping; try again once it is back', { retryAfterMs: 1_000 });
  }
}

export interface ServerOptions {
  log: Logger;
  metrics: Registry;
  /** Prefix for the request latency metric: `poseidon_<component>_http_request_duration_seconds`. */
  component: 'worker' | 'manager';
  /**
   * Who is calling (src/http/access.ts). With it every route must declare `config.access` and a
   * caller it does not allow is refused before the handler; without it every route is open.
   */
  identify?: Identify;
  /** Who may read GET /metrics when routes are guarded: a read token unless the operator opens it. */
  metricsAccess?: Access;
  /** HTTPS with this certificate, asking callers for one of the same CA (mutual TLS); plain HTTP without. */
  tls?: ServerTls;
  /** SERVER_TIMEOUTS unless a test shortens them. */
  timeouts?: Partial<ServerTimeouts>;
  /** Serve `GET /openapi.json` (OpenAPI 3.1) describing every route, to callers `access` allows. */
  openapi?: { info: OpenApiInfo; access: Access };
  /** Told of each route as it is declared, HEAD routes included (a test compares them with the document). */
  onRoute?: (route: RouteOptions) => void;
  /**
   * Every open request whose route needs credentials is asked again this often whether its caller
   * may still make it, and ended when not (access-recheck.ts); absent: asked once, before its handler.
   */
  recheckAccessMs?: number;
  /** Runs on every request before anything else, credentials checks included (a group follower passes calls on). */
  first?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

const Healthz = Type.Object({ status: Type.Literal('ok') });

/**
 * A Fastify server with Poseidon's edges: JSON bodies up to BODY_LIMIT_BYTES unless the route
 * sets its own limit, deadlines for a client's headers, request and idle connection
 * (SERVER_TIMEOUTS), one error shape, unknown fields rejected (never silently stripped), request
 * latency in the server's own registry, and `GET /healthz` and `GET /metrics`.
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const t: ServerTimeouts = { ...SERVER_TIMEOUTS, ...opts.timeouts };
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    // per-request lines are noise at our request rates; 5xx are logged by sendError
    logController: new LogController({ disableRequestLogging: true }),
    // req.log becomes a child logger on its first use: most requests log nothing
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
    bodyLimit: BODY_LIMIT_BYTES,
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    http: { headersTimeout: t.headersMs, connectionsCheckingInterval: t.checkEveryMs },
    // a request that comes while it closes gets ServerStopping in Poseidon's error shape (below)
    return503OnClosing: false,
    // `hint`: what a value must be, in words (task specs' schemas carry them too); verbose: a
    // refusal finds the failing schema's hint and says it (error-handler.ts)
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        allErrors: false,
        verbose: true,
        keywords: ['hint'],
      },
    },
    // the https server's type differs from the http one's in nothing the routes use; it takes
    // the http server's deadlines from its own options
    ...(opts.tls === undefined
      ? {}
      : {
          https: {
            ...httpsOptions(opts.tls),
            headersTimeout: t.headersMs,
            connectionsCheckingInterval: t.checkEveryMs,
          },
        }),
  }) as FastifyInstance;
  // from close() on, requests already taken in finish and new ones (on connections still open)
  // are refused before anything else runs; new connections are not accepted
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  // the hooks every request runs take a callback, not a promise: fastify then skips a promise
  // and its turns per hook (they are in every call the manager and workers make to each other)
  app.addHook('onRequest', (req, reply, done) => {
    if (!stopping) {
      done();
      return;
    }
    void reply.header('connection', 'close');
    sendError(new ServerStopping(), req, reply);
  });
  endStreamsOnClose(app);
  // also when the server is built another way (https): Node reads it per connection
  app.server.headersTimeout = t.headersMs;
  const latency = new Histogram({
    name: `poseidon_${opts.component}_http_request_duration_seconds`,
    help: 'API request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [opts.metrics],
  });
  /** The histogram's child per method, route and status, made (and its labels checked) once each. */
  const series = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const key = `${req.method} ${reply.statusCode} ${route}`;
    let one = series.get(key);
    if (one === undefined) {
      one = latency.labels({ method: req.method, route, status: String(reply.statusCode) });
      series.set(key, one);
    }
    one.observe(reply.elapsedTime / 1000);
    done();
  });
  const onRoute = opts.onRoute;
  if (onRoute !== undefined) app.addHook('onRoute', (route) => onRoute(route));
  if (opts.first !== undefined) app.addHook('onRequest', opts.first);
  const identify = opts.identify;
  if (identify !== undefined)
    guardRoutes(
      app,
      identify,
      opts.recheckAccessMs === undefined ? undefined : recheckAccess(app, identify, opts.recheckAccessMs),
    );
  // Response schemas document and type the answers (GET /openapi.json); they are sent with
  // JSON.stringify, not a compiled serializer: fast-json-stringify took 2.5-4x as long for a list
  // of 10,000 task views (their nullable fields and unions are checked value by value), and it
  // drops a field its schema lacks where JSON.stringify cannot lose one.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new RouteNotFound(req.method, req.url), req, reply));
  // the generator records routes as they are declared, so it loads before any (register keeps the order)
  const openapi = opts.openapi;
  if (openapi !== undefined) registerOpenApi(app, openapi.info);
  void app.register(async (root) => {
    root.get('/healthz', { config: { access: 'open' }, schema: { response: { 200: Healthz } } }, async () => ({
      status: 'ok' as const,
    }));
    root.get(
      '/metrics',
      {
        config: { access: opts.metricsAccess ?? 'read' },
        schema: { response: textResponse('text/plain', 'Prometheus text format') },
      },
      async (_req, reply) => {
        reply.header('content-type', opts.metrics.contentType);
        return opts.metrics.metrics();
      },
    );
    if (openapi !== undefined) serveOpenApi(root, openapi.access);
  });
  return app;
}
