import type { Command } from 'commander';
import { DEFAULT_MANAGER_PORT, DEFAULT_STRATEGY, DEFAULT_WORKER_PORT, STRATEGY_NAMES } from './defaults.js';
import type { DevFlags } from './dev-action.js';

// `dev`: the flags here; the manager and the worker load in dev-action.ts when it runs.

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('a whole cluster in one process: manager and worker with the embedded store')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'manager port', String(DEFAULT_MANAGER_PORT))
    .option('--worker-port <port>', 'worker port', String(DEFAULT_WORKER_PORT))
    .option('--data-dir <dir>', 'where state is kept (default ~/.poseidon/dev)')
    .option('--scheduler <name>', STRATEGY_NAMES.join(' or '), DEFAULT_STRATEGY)
    .option('--demo', 'submit a demo web task and print where it answers')
    .option('--demo-image <image>', 'image for the demo task', 'poseidon/busybox:latest')
    .option('--log-level <level>', 'debug, info, warn or error', 'warn')
    .action(async (flags: DevFlags) => {
      const { runDev } = await import('./dev-action.js');
      await runDev(flags);
    });
}
