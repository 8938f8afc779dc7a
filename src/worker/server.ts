import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildServer } from '../http/index.js';
import type { Driver } from '../driver/index.js';
import type { HostSnapshot } from '../stats/index.js';
import type { SpecLimits } from '../task/index.js';
import { workerRoutes } from './routes.js';
import type { Worker } from './worker.js';

export interface WorkerServerDeps {
  worker: Worker;
  driver: Driver;
  limits: SpecLimits;
  readHost(): Promise<HostSnapshot>;
  log: Logger;
  metrics: Registry;
}

/** The Worker API server, built but not listening (tests may inject). */
export async function createWorkerServer(deps: WorkerServerDeps): Promise<FastifyInstance> {
  const app = buildServer({ log: deps.log, metrics: deps.metrics, component: 'worker' });
  await app.register(workerRoutes, {
    worker: deps.worker,
    driver: deps.driver,
    limits: deps.limits,
    readHost: deps.readHost,
  });
  return app;
}
