import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildServer, type ServerTimeouts } from '../http/index.js';
import { EventStreams } from './event-stream.js';
import type { Manager } from './manager.js';
import { managerRoutes } from './routes.js';

/** The Manager API server, built but not listening. */
export async function createManagerServer(deps: {
  manager: Manager;
  log: Logger;
  metrics: Registry;
  /** Bounds a test may lower: server deadlines, and `GET /events` subscribers and their unread bytes. */
  limits?: { timeouts?: Partial<ServerTimeouts>; maxEventSubscribers?: number; maxEventBufferBytes?: number };
}): Promise<FastifyInstance> {
  const limits = deps.limits ?? {};
  const app = buildServer({
    log: deps.log,
    metrics: deps.metrics,
    component: 'manager',
    ...(limits.timeouts === undefined ? {} : { timeouts: limits.timeouts }),
  });
  const events = new EventStreams({
    bus: deps.manager.events,
    log: deps.log,
    metrics: deps.metrics,
    ...(limits.maxEventSubscribers === undefined ? {} : { maxSubscribers: limits.maxEventSubscribers }),
    ...(limits.maxEventBufferBytes === undefined ? {} : { maxBufferedBytes: limits.maxEventBufferBytes }),
  });
  await app.register(managerRoutes, { manager: deps.manager, events });
  return app;
}
