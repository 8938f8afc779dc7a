import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidField } from '../errors/index.js';
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from '../scheduler/index.js';
import { parseDuration } from '../task/index.js';
import { hostFlag, portFlag } from './flags.js';
import { runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { DEFAULT_HEARTBEAT_GRACE_MS, startManagerRuntime } from './manager-runtime.js';

interface ManagerFlags {
  host: string;
  port: string;
  dataDir?: string;
  scheduler: string;
  workers?: string;
  heartbeatGrace: string;
  logLevel?: string;
}

export function schedulerFlag(value: string): StrategyName {
  if (!isStrategyName(value))
    throw new InvalidField('--scheduler', `is "${value}"; use ${STRATEGY_NAMES.join(' or ')}`);
  return value;
}

export function workersFlag(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((w) => {
    const trimmed = w.trim();
    const url = /^https?:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`;
    try {
      return new URL(url).toString().replace(/\/$/, '');
    } catch {
      throw new InvalidField('--workers', `has "${trimmed}"; use host:port,host:port`);
    }
  });
}

export function registerManager(program: Command): void {
  program
    .command('manager')
    .description('run the manager: accepts tasks, places them on workers, keeps them running')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '5555')
    .option('--data-dir <dir>', 'where the embedded store lives (default ~/.poseidon/manager)')
    .option('--scheduler <name>', `placement strategy: ${STRATEGY_NAMES.join(' or ')}`, 'epvm')
    .option('--workers <list>', 'static workers to poll, host:port,host:port (workers may also join with --manager)')
    .option(
      '--heartbeat-grace <duration>',
      'missed heartbeats for this long mark a node Down',
      `${DEFAULT_HEARTBEAT_GRACE_MS}ms`,
    )
    .option('--log-level <level>', 'debug, info, warn or error')
    .action(async (flags: ManagerFlags) => {
      const log = rootLogger(flags.logLevel);
      const runtime = await startManagerRuntime(
        {
          host: hostFlag('--host', flags.host),
          port: portFlag('--port', flags.port),
          dataDir: flags.dataDir ?? join(homedir(), '.poseidon', 'manager'),
          scheduler: schedulerFlag(flags.scheduler),
          staticWorkers: workersFlag(flags.workers),
          heartbeatGraceMs: parseDuration(
            '--heartbeat-grace',
            /^[0-9]+$/.test(flags.heartbeatGrace) ? Number(flags.heartbeatGrace) : flags.heartbeatGrace,
          ),
        },
        log,
      );
      await runUntilSignal(log, () => runtime.close());
    });
}
