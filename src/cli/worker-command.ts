import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseQuantity } from '../task/index.js';
import { DEFAULT_START_CONCURRENCY } from '../worker/index.js';
import { countFlag, hostFlag, nameFlag, portFlag, secondsFlag, urlFlag } from './flags.js';
import { runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { startWorkerRuntime } from './worker-runtime.js';
import { InvalidField } from '../errors/index.js';

interface WorkerFlags {
  host: string;
  port: string;
  name: string;
  dataDir?: string;
  dockerSocket: string;
  stopGrace: string;
  manager?: string;
  advertise?: string;
  cpu?: string;
  memory?: string;
  logLevel?: string;
  startConcurrency: string;
}

/** Defaults of `--docker-socket` and `--stop-grace`; `poseidon dev` runs its worker with them too. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const DEFAULT_STOP_GRACE_SECONDS = 10;

function cpuFlag(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidField('--cpu', `is "${value}"; use a number of cores above 0, such as 1.5`);
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: starts tasks as Docker containers and serves the Worker API')
    .option('--host <address>', 'address to listen on (published ports bind here too)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '5556')
    .option('--name <name>', 'worker name, put on its containers as poseidon.worker', 'worker-1')
    .option('--data-dir <dir>', 'where task records are kept (default ~/.poseidon/<name>)')
    .option('--manager <url>', 'join this manager (e.g. http://127.0.0.1:5555)')
    .option('--advertise <url>', 'URL the manager should use to reach this worker (default the listen address)')
    .option('--cpu <cores>', 'cpu cores offered to the scheduler (default all)')
    .option('--memory <quantity>', 'memory offered to the scheduler, e.g. 2Gi (default all)')
    .option('--docker-socket <path>', 'Docker engine socket', DEFAULT_DOCKER_SOCKET)
    .option(
      '--stop-grace <seconds>',
      'SIGTERM grace before SIGKILL when stopping a task',
      String(DEFAULT_STOP_GRACE_SECONDS),
    )
    .option(
      '--start-concurrency <n>',
      'containers started at once at most; the rest wait their turn',
      String(DEFAULT_START_CONCURRENCY),
    )
    .option('--log-level <level>', 'debug, info, warn or error')
    .action(async (flags: WorkerFlags) => {
      const name = nameFlag('--name', flags.name);
      const options = {
        host: hostFlag('--host', flags.host),
        port: portFlag('--port', flags.port),
        name,
        dataDir: flags.dataDir ?? join(homedir(), '.poseidon', name),
        dockerSocket: flags.dockerSocket,
        stopGraceSeconds: secondsFlag('--stop-grace', flags.stopGrace),
        startConcurrency: countFlag('--start-concurrency', flags.startConcurrency, 1, 256),
        ...(flags.manager === undefined ? {} : { managerUrl: urlFlag('--manager', flags.manager) }),
        ...(flags.advertise === undefined ? {} : { advertiseUrl: urlFlag('--advertise', flags.advertise) }),
        ...(flags.cpu === undefined ? {} : { cpuCores: cpuFlag(flags.cpu) }),
        ...(flags.memory === undefined ? {} : { memoryBytes: parseQuantity('--memory', flags.memory) }),
      };
      const log = rootLogger(flags.logLevel);
      const runtime = await startWorkerRuntime(options, log);
      await runUntilSignal(log, () => runtime.close());
    });
}
