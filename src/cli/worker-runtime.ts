import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ManagerClient } from '../client/index.js';
import { systemClock } from '../clock/index.js';
import { DockerDriver } from '../driver/index.js';
import { HostMetrics, readDiskSpace } from '../stats/index.js';
import { LmdbStore } from '../store/index.js';
import { createWorkerServer, ManagerReporter, Worker, type WorkerTaskRecord } from '../worker/index.js';

export interface WorkerRuntimeOptions {
  host: string;
  port: number;
  name: string;
  dataDir: string;
  dockerSocket: string;
  stopGraceSeconds: number;
  /** Container starts at once at most; default the worker's (DEFAULT_START_CONCURRENCY). */
  startConcurrency?: number;
  /** Join this manager; undefined runs standalone. */
  managerUrl?: string;
  /** URL the manager should call; default the listen URL. */
  advertiseUrl?: string;
  /** Capacity offered to the scheduler; default the host's. */
  cpuCores?: number;
  memoryBytes?: number;
  diskBytes?: number;
}

export interface Runtime {
  url: string;
  close(): Promise<void>;
}

/** A worker's node id lives in its data dir, so a restart keeps its identity. */
function nodeId(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    writeFileSync(file, `${id}\n`);
    return id;
  }
}

/** Builds and starts a worker from its real dependencies (the composition root). */
export async function startWorkerRuntime(opts: WorkerRuntimeOptions, root: Logger): Promise<Runtime> {
  const log = root.child({ component: 'worker' });
  const driver = new DockerDriver({
    socketPath: opts.dockerSocket,
    workerName: opts.name,
    publishIp: opts.host,
    log: root.child({ component: 'docker' }),
  });
  await driver.ping(); // "cannot reach the Docker engine ...: is dockerd running?"
  mkdirSync(opts.dataDir, { recursive: true });
  const store = new LmdbStore<WorkerTaskRecord>(join(opts.dataDir, 'tasks'), {
    onSetAside: (key, reason) => log.error({ key, reason }, 'stored record cannot be decoded; set aside'),
  });
  const metrics = new Registry();
  const hostMetrics = new HostMetrics({ diskPath: opts.dataDir });
  hostMetrics.start();
  const worker = new Worker({
    name: opts.name,
    driver,
    store,
    clock: systemClock,
    log,
    metrics,
    stopGraceSeconds: opts.stopGraceSeconds,
    ...(opts.startConcurrency === undefined ? {} : { startConcurrency: opts.startConcurrency }),
  });
  await worker.start();
  const app = await createWorkerServer({
    worker,
    driver,
    limits: { maxCpuCores: availableParallelism(), maxMemoryBytes: totalmem() },
    readHost: () => hostMetrics.read(),
    log,
    metrics,
  });
  const listened = await app.listen({ host: opts.host, port: opts.port });
  const url = opts.advertiseUrl ?? listened;
  log.info({ url, name: opts.name, dataDir: opts.dataDir }, 'worker listening');
  let reporter: ManagerReporter | undefined;
  if (opts.managerUrl !== undefined) {
    const disk = await readDiskSpace(opts.dataDir);
    reporter = new ManagerReporter({
      manager: new ManagerClient(opts.managerUrl, 5_000),
      worker,
      nodeId: nodeId(opts.dataDir),
      name: opts.name,
      url,
      capacity: {
        cpuCores: opts.cpuCores ?? availableParallelism(),
        memoryBytes: opts.memoryBytes ?? totalmem(),
        diskBytes: opts.diskBytes ?? disk.totalBytes,
      },
      readHost: () => hostMetrics.read(),
      log,
    });
    reporter.start();
    const asking = reporter;
    worker.askOwnershipWith(() => asking.owned());
  }
  return {
    url,
    async close() {
      await reporter?.stop();
      await app.close();
      await worker.stop();
      await hostMetrics.stop();
      await store.close();
    },
  };
}
