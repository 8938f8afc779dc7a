import type { Command } from 'commander';
import {
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_START_CONCURRENCY,
  DEFAULT_STOP_GRACE_SECONDS,
  DEFAULT_WORKER_PORT,
} from './defaults.js';
import type { WorkerFlags } from './worker-action.js';

// `worker`: the flags here; the worker itself (fastify, the store, dockerode) loads in worker-action.ts when it runs.

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: starts tasks as Docker containers and serves the Worker API')
    .option('--host <address>', 'address to listen on (published ports bind here too)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_WORKER_PORT))
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
      const { runWorker } = await import('./worker-action.js');
      await runWorker(flags);
    });
}
