import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createFirstAdminToken, TokenBook } from '../auth/index.js';
import { WorkerClient } from '../client/index.js';
import { systemClock } from '../clock/index.js';
import { setServerTls } from '../http/index.js';
import { createManagerServer, Manager, StaticWorkers } from '../manager/index.js';
import { CertificateRenewer, LiveCredentials, managerAddresses, NodeAuthority } from '../pki/index.js';
import { strategyByName, type StrategyName } from '../scheduler/index.js';
import { openManagerStores } from './manager-stores.js';
import type { StoreChoice } from './store-flag.js';
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
  /** GET /metrics without a token. */
  metricsOpen?: boolean;
  /** How long the node certificates it issues (its own too) last. */
  certTtlMs: number;
  /** URLs workers and the CLI reach it at, beyond the listen address (its certificate names them). */
  advertise?: string[];
  engineGraceMs: number;
  /** Where services' virtual IPs come from (`--vip-range`). */
  vipRange?: string;
  /** Where records and tokens are kept: LMDB in the data dir (default) or etcd. */
  store?: StoreChoice;
}

/** Builds and starts a manager from its real dependencies (the composition root). */
export async function startManagerRuntime(opts: ManagerRuntimeOptions, root: Logger): Promise<Runtime> {
  const log = root.child({ component: 'manager' });
  mkdirSync(opts.dataDir, { recursive: true });
  const stores = await openManagerStores(opts.store ?? { kind: 'lmdb' }, opts.dataDir, log);
  const store = stores.state;
  const metrics = new Registry();
  // the cluster CA and join token on the first start; the manager's own certificate (role manager)
  const authority = await NodeAuthority.open({
    dataDir: opts.dataDir,
    clock: systemClock,
    log,
    certTtlMs: opts.certTtlMs,
  });
  const addresses = managerAddresses(opts.host, opts.advertise);
  const creds = new LiveCredentials(await authority.managerCredentials(addresses, Math.random), 'worker');
  const clients = new Map<string, WorkerClient>();
  // one client per worker URL: the manager's certificate, trusting worker certificates of this cluster only
  const workerClient = (url: string): WorkerClient => {
    let c = clients.get(url);
    if (c === undefined) {
      c = new WorkerClient(url, 5_000, { tls: creds.client });
      clients.set(url, c);
    }
    return c;
  };
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
    workerClient,
    ...(opts.vipRange === undefined ? {} : { vipRange: opts.vipRange }),
  });
  await manager.start();
  const tokens = new TokenBook({ store: stores.tokens, clock: systemClock, log });
  await tokens.load();
  await createFirstAdminToken(tokens, opts.dataDir, log);
  tokens.start();
  const app = await createManagerServer({
    manager,
    log,
    metrics,
    clock: systemClock,
    tokens,
    authority,
    tls: creds.server,
    workers: workerClient,
    metricsOpen: opts.metricsOpen === true,
  });
  const url = await app.listen({ host: opts.host, port: opts.port });
  log.info(
    { url, scheduler: opts.scheduler, dataDir: opts.dataDir, store: stores.where, caHash: authority.ca.hash },
    'manager listening',
  );
  // its own certificate renews itself as a worker's does, in process
  creds.onChange(() => setServerTls(app, creds.server));
  const renewer = new CertificateRenewer({
    clock: systemClock,
    log,
    random: Math.random,
    current: () => creds.current.info,
    renew: async () => creds.replace(await authority.issueManagerCredentials(creds.current.info.nodeId, addresses)),
  });
  renewer.start();
  const statics = new StaticWorkers(
    {
      manager,
      clock: systemClock,
      log,
      periodMs: DEFAULT_HEARTBEAT_PERIOD_MS,
      client: (workerUrl, timeoutMs) => new WorkerClient(workerUrl, timeoutMs, { tls: creds.client }),
    },
    opts.staticWorkers,
  );
  statics.start();
  return {
    url,
    async close() {
      statics.stop();
      await renewer.stop();
      await app.close();
      await manager.stop();
      await tokens.stop();
      await stores.tokens.close();
      await store.close();
    },
  };
}
