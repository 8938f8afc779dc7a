import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildServer } from '../http/index.js';
import type { Manager } from './manager.js';
import { managerRoutes } from './routes.js';

/** The Manager API server, built but not listening. */
export async function createManagerServer(deps: {
  manager: Manager;
  log: Logger;
  metrics: Registry;
}): Promise<FastifyInstance> {
  const app = buildServer({ log: deps.log, metrics: deps.metrics, component: 'manager' });
  await app.register(managerRoutes, { manager: deps.manager });
  return app;
}
