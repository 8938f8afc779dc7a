import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { tokenRoutes, type TokenBook } from '../auth/index.js';
import { buildServer } from '../http/index.js';
import type { Manager } from './manager.js';
import { managerRoutes } from './routes.js';

/** The Manager API server, built but not listening; every route but /healthz wants credentials. */
export async function createManagerServer(deps: {
  manager: Manager;
  log: Logger;
  metrics: Registry;
  /** API tokens: who a Bearer header says is calling, and the /tokens routes. */
  tokens: TokenBook;
  /** GET /metrics without a token (`poseidon manager --metrics-open`). */
  metricsOpen?: boolean;
}): Promise<FastifyInstance> {
  const app = buildServer({
    log: deps.log,
    metrics: deps.metrics,
    component: 'manager',
    identify: async (req) => deps.tokens.identify(req.headers.authorization),
    metricsAccess: deps.metricsOpen === true ? 'open' : 'read',
  });
  await app.register(managerRoutes, { manager: deps.manager });
  await app.register(tokenRoutes, { tokens: deps.tokens });
  return app;
}
