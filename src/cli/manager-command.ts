import type { Command } from 'commander';
import { DEFAULT_HEARTBEAT_GRACE_MS, DEFAULT_MANAGER_PORT, DEFAULT_STRATEGY, STRATEGY_NAMES } from './defaults.js';
import type { ManagerFlags } from './manager-action.js';

// `manager`: the flags here; the manager itself (fastify, the store) loads in manager-action.ts when it runs.

export function registerManager(program: Command): void {
  program
    .command('manager')
    .description('run the manager: accepts tasks, places them on workers, keeps them running')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_MANAGER_PORT))
    .option('--data-dir <dir>', 'where the embedded store lives (default ~/.poseidon/manager)')
    .option('--scheduler <name>', `placement strategy: ${STRATEGY_NAMES.join(' or ')}`, DEFAULT_STRATEGY)
    .option('--workers <list>', 'static workers to poll, host:port,host:port (workers may also join with --manager)')
    .option(
      '--heartbeat-grace <duration>',
      'missed heartbeats for this long mark a node Down',
      `${DEFAULT_HEARTBEAT_GRACE_MS}ms`,
    )
    .option('--log-level <level>', 'debug, info, warn or error')
    .action(async (flags: ManagerFlags) => {
      const { runManager } = await import('./manager-action.js');
      await runManager(flags);
    });
}
