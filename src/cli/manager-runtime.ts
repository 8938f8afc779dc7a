import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { WorkerClient } from '../client/index.js';
import { systemClock } from '../clock/index.js';
import { createManagerServer, Manager, StaticWorkers, type ManagerRecord } from '../manager/index.js';
import { strategyByName, type StrategyName } from '../scheduler/index.js';
import { LmdbStore } from '../store/index.js';
import type { Runtime } from './worker-runtime.js';

export const DEFAULT_HEARTBEAT_PERIOD_MS = 1_000;
export const DEFAULT_SWEEP_MS = 5_000;

export interface ManagerRuntimeOptions {
  host: string;
  port: number;
  dataDir: string;
  scheduler: StrategyName;
  staticWorkers: string[];
  heartbeatGraceMs: number;
  engineGraceMs: number;
}

/** Builds and starts a manager from its real dependencies (the composition root). */
export async function startManagerRuntime(opts: ManagerRuntimeOptions, root: Logger): Promise<Runtime> {
  const log = root.child({ component: 'manager' });
  mkdirSync(opts.dataDir, { recursive: true });
  const store = new LmdbStore<ManagerRecord>(join(opts.dataDir, 'state'), {
    onSetAside: (key, reason) => log.error({ key, reason }, 'stored record cannot be decoded; set aside'),
  });
  const metrics = new Registry();
  const clients = new Map<string, WorkerClient>();
  const manager = new Manager({
    store,
    clock: systemClock,
    strategy: strategyByName(opts.scheduler),
    log,
    metrics,
    heartbeatPeriodMs: DEFAULT_HEARTBEAT_PERIOD_MS,
    heartbeatGraceMs: opts.heartbeatGraceMs,
    engineGraceMs: opts.engineGraceMs,
    sweepMs: DEFAULT_SWEEP_MS,
    workerClient: (url) => {
      let c = clients.get(url);
      if (c === undefined) {
        c = new WorkerClient(url, 5_000);
        clients.set(url, c);
      }
      return c;
    },
  });
  await manager.start();
  const app = await createManagerServer({ manager, log, metrics });
  const url = await app.listen({ host: opts.host, port: opts.port });
  log.info({ url, scheduler: opts.scheduler, dataDir: opts.dataDir }, 'manager listening');
  const statics = new StaticWorkers(
    { manager, clock: systemClock, log, periodMs: DEFAULT_HEARTBEAT_PERIOD_MS },
    opts.staticWorkers,
  );
  statics.start();
  return {
    url,
    async close() {
      statics.stop();
      await app.close();
      await manager.stop();
      await store.close();
    },
  };
}
