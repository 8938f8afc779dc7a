import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseTtl } from '../auth/index.js';
import { serverUrls } from '../client/index.js';
import { DEFAULT_VIP_RANGE } from '../discovery/index.js';
import { InvalidField } from '../errors/index.js';
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from '../scheduler/index.js';
import { DEFAULT_WORKER_PORT, MANAGER_JOIN_TOKEN_ENV } from './defaults.js';
import { countFlag, durationFlag, hostFlag, portFlag } from './flags.js';
import { runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { loneManagerOnly, startManagerRuntime, type ManagerRuntimeOptions } from './manager-runtime.js';
import { vipRangeFlag } from './network-flags.js';
import { readVipRangeRouted } from './vip-range-routes.js';
import { advertiseFlag } from './server-address.js';
import { storeFlag } from './store-flag.js';

export interface ManagerFlags {
  host: string;
  port: string;
  dataDir?: string;
  scheduler: string;
  workers?: string;
  heartbeatGrace: string;
  restartGrace: string;
  metricsOpen?: boolean;
  certTtl: string;
  advertise?: string;
  engineGrace: string;
  vipRange: string;
  taskHistory: string;
  plainTaskHistory: string;
  logLevel?: string;
  store?: string;
  storeCa?: string;
  storeCert?: string;
  storeKey?: string;
  joinToken?: string;
}

export function schedulerFlag(value: string): StrategyName {
  if (!isStrategyName(value))
    throw new InvalidField('--scheduler', `is "${value}"; use ${STRATEGY_NAMES.join(' or ')}`);
  return value;
}

/** --workers: workers serve mutual TLS, so a bare HOST:PORT is https; a HOST alone is a worker's default port. */
export function workersFlag(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return serverUrls('--workers', value, DEFAULT_WORKER_PORT).split(',');
}

/** --engine-grace: a duration with its unit ("30s", "2m"). */
export function engineGraceFlag(value: string): number {
  return durationFlag('--engine-grace', value);
}

/** --task-history (ended tasks kept per replica slot, 0 to 1,000) and --plain-task-history (0 to 1,000,000). */
export function historyFlags(flags: { taskHistory: string; plainTaskHistory: string }): {
  taskHistory: number;
  plainTaskHistory: number;
} {
  return {
    taskHistory: countFlag('--task-history', flags.taskHistory, 0, 1_000),
    plainTaskHistory: countFlag('--plain-task-history', flags.plainTaskHistory, 0, 1_000_000),
  };
}

/** A group's leader that lost its term exits with this (EX_TEMPFAIL): starting it again is the remedy. */
export const EXIT_DEPOSED = 75;

/** The manager's runtime options from its flags, each checked: a bad one throws naming its flag. */
export function managerOptions(flags: ManagerFlags): ManagerRuntimeOptions {
  const store = storeFlag(flags);
  const staticWorkers = workersFlag(flags.workers);
  // refused here, not only once etcd is reached: --print-config refuses what the start would
  if (store.kind === 'etcd') loneManagerOnly(staticWorkers);
  // a secret: from the environment it stays out of the process list; an empty one is none
  const joinToken = flags.joinToken || undefined;
  // a lone manager's store is its own: there is no group for the token to join, so it would be ignored
  if (store.kind !== 'etcd' && joinToken !== undefined)
    throw new InvalidField(
      '--join-token',
      'joins a manager group, which runs on etcd: add --store etcd://host:port' +
        (flags.joinToken === process.env[MANAGER_JOIN_TOKEN_ENV]
          ? ` (the token came from ${MANAGER_JOIN_TOKEN_ENV}: unset it for a lone manager)`
          : ''),
    );
  const port = portFlag('--port', flags.port);
  return {
    host: hostFlag('--host', flags.host),
    port,
    dataDir: flags.dataDir ?? join(homedir(), '.poseidon', 'manager'),
    scheduler: schedulerFlag(flags.scheduler),
    staticWorkers,
    heartbeatGraceMs: durationFlag('--heartbeat-grace', flags.heartbeatGrace),
    restartGraceMs: durationFlag('--restart-grace', flags.restartGrace),
    metricsOpen: flags.metricsOpen === true,
    certTtlMs: parseTtl('--cert-ttl', flags.certTtl),
    ...(flags.advertise === undefined ? {} : { advertise: [advertiseFlag(flags.advertise, port)] }),
    engineGraceMs: engineGraceFlag(flags.engineGrace),
    vipRange: vipRangeFlag(flags.vipRange),
    ...historyFlags(flags),
    store,
    ...(joinToken === undefined ? {} : { joinToken }),
  };
}

/** Once stopped, how long the process may wait for what its clients still hold open before it exits. */
const STOPPED_EXIT_MS = 500;

/** `poseidon manager`: runs until SIGINT or SIGTERM. */
export async function runManager(flags: ManagerFlags): Promise<void> {
  const options = managerOptions(flags);
  const log = rootLogger(flags.logLevel);
  const routed = await readVipRangeRouted(options.vipRange ?? DEFAULT_VIP_RANGE);
  if (routed !== undefined) log.warn({ vipRange: options.vipRange }, routed);
  const runtime = await startManagerRuntime(
    {
      ...options,
      // a group's leader that lost its term exits: its supervisor starts it again, as a follower
      onDeposed: (reason) => {
        log.fatal({ reason }, 'no longer leading the manager group; exiting (start again to follow the new leader)');
        process.exit(EXIT_DEPOSED);
      },
    },
    log,
  );
  await runUntilSignal(log, () => runtime.close());
  // stopped: nothing of it runs now, but a call the etcd client still has on its way (to a member
  // that answers while etcd lacks a majority) would hold the process until its deadline
  setTimeout(() => process.exit(), STOPPED_EXIT_MS).unref();
}
