import { homedir, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { systemClock } from '../clock/index.js';
import { DockerDriver } from '../driver/index.js';
import { HostMetrics } from '../stats/index.js';
import { LmdbStore } from '../store/index.js';
import { Worker, createWorkerServer, type WorkerTaskRecord } from '../worker/index.js';
import { hostFlag, nameFlag, portFlag, secondsFlag } from './flags.js';
import { rootLogger } from './logger.js';
import { runUntilSignal } from './lifecycle.js';

interface WorkerFlags {
  host: string;
  port: string;
  name: string;
  dataDir?: string;
  dockerSocket: string;
  stopGrace: string;
  logLevel?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: starts tasks as Docker containers and serves the Worker API')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '5556')
    .option('--name <name>', 'worker name, put on its containers as poseidon.worker', 'worker-1')
    .option('--data-dir <dir>', 'where task records are kept (default ~/.poseidon/<name>)')
    .option('--docker-socket <path>', 'Docker engine socket', '/var/run/docker.sock')
    .option('--stop-grace <seconds>', 'SIGTERM grace before SIGKILL when stopping a task', '10')
    .option('--log-level <level>', 'debug, info, warn or error')
    .action(async (flags: WorkerFlags) => {
      const host = hostFlag('--host', flags.host);
      const port = portFlag('--port', flags.port);
      const name = nameFlag('--name', flags.name);
      const stopGraceSeconds = secondsFlag('--stop-grace', flags.stopGrace);
      const dataDir = flags.dataDir ?? join(homedir(), '.poseidon', name);
      const root = rootLogger(flags.logLevel);
      const log = root.child({ component: 'worker' });
      const driver = new DockerDriver({ socketPath: flags.dockerSocket, workerName: name, publishIp: host === '0.0.0.0' ? '0.0.0.0' : host, log: root.child({ component: 'docker' }) });
      await driver.ping(); // "cannot reach the Docker engine ...: is dockerd running?"
      const store = new LmdbStore<WorkerTaskRecord>(join(dataDir, 'tasks'));
      const metrics = new Registry();
      const hostMetrics = new HostMetrics({ diskPath: dataDir });
      hostMetrics.start();
      const worker = new Worker({ name, driver, store, clock: systemClock, log, metrics, stopGraceSeconds });
      await worker.start();
      const app = await createWorkerServer({
        worker,
        driver,
        limits: { maxCpuCores: availableParallelism(), maxMemoryBytes: totalmem() },
        readHost: () => hostMetrics.read(),
        log,
        metrics,
      });
      const url = await app.listen({ host, port });
      log.info({ url, name, dataDir }, 'worker listening');
      await runUntilSignal(log, async () => {
        await app.close();
        await worker.stop();
        await hostMetrics.stop();
        await store.close();
      });
    });
}
