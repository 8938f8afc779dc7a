import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOST_ID_PATTERN } from '../api/cluster.js';
import { managerUrls } from '../client/index.js';
import { RegistryAuth } from '../driver/index.js';
import { InvalidField } from '../errors/index.js';
import { parseJoinToken } from '../pki/join-token.js';
import { parseQuantity } from '../units/index.js';
import {
  countFlag,
  durationFlag,
  hostFlag,
  capabilitiesFlag,
  hostPathPrefixesFlag,
  labelsFlag,
  nameFlag,
  portFlag,
  secondsFlag,
} from './flags.js';
import type { LoadedConfig } from './config-file.js';
import { coresFlag } from './limit-flags.js';
import { EXIT_NODE_REMOVED, runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { advertiseFlag } from './server-address.js';
import { networkFlags } from './network-flags.js';
import { discoveryFlags, type DiscoveryOptions, type DnsFlags } from './discovery-host.js';
import { startWorkerRuntime, type RegistryAuthSource, type WorkerRuntimeOptions } from './worker-runtime.js';

export interface WorkerFlags extends DnsFlags {
  host: string;
  port: string;
  name: string;
  dataDir?: string;
  dockerSocket: string;
  stopGrace: string;
  manager?: string;
  joinToken?: string;
  /** commander's --no-register: false. */
  register: boolean;
  advertise?: string;
  cpu?: string;
  memory?: string;
  logLevel?: string;
  startConcurrency: string;
  /** --label key=value, repeatable. */
  label?: string[];
  /** --allow-host-path DIR, repeatable. */
  allowHostPath?: string[];
  /** --allow-cap CAP, repeatable. */
  allowCap?: string[];
  network: string;
  /** Absent: the network keeps its own, or takes a free block of --subnet-pool. */
  subnet?: string;
  subnetPool: string;
  taskNetwork: string;
  /** --proxy: this host's discovery host. */
  proxy?: boolean;
  /** --host-id ID; absent: the machine's own (readHostId). */
  hostId?: string;
  fence: string;
  /** --registry-auth FILE; absent: the docker CLI's config.json. */
  registryAuth?: string;
}

function proxyFlags(flags: WorkerFlags, discovery: DiscoveryOptions): DiscoveryOptions {
  // the endpoint stream comes from the manager: a worker on its own has nothing to serve
  if (flags.manager === undefined) throw new InvalidField('--proxy', 'needs --manager: the endpoints come from it');
  return discovery;
}

/** The worker's runtime options from its flags, each checked: a bad one throws naming its flag. */
export function workerOptions(flags: WorkerFlags): WorkerRuntimeOptions {
  const name = nameFlag('--name', flags.name);
  // a secret: from the environment it stays out of the process list; an empty one is none
  const joinToken = (flags.joinToken ?? process.env.POSEIDON_JOIN_TOKEN) || undefined;
  // its form checked here, before the worker makes its network or data dir: a typo changes nothing
  if (joinToken !== undefined) parseJoinToken(joinToken);
  // checked without --proxy too: a bad value is a bad value, and the config file that holds it
  // fails the day --proxy is added to it otherwise
  const discovery = discoveryFlags(flags);
  const port = portFlag('--port', flags.port);
  return {
    host: hostFlag('--host', flags.host),
    port,
    name,
    dataDir: flags.dataDir ?? join(homedir(), '.poseidon', name),
    dockerSocket: flags.dockerSocket,
    stopGraceSeconds: secondsFlag('--stop-grace', flags.stopGrace),
    startConcurrency: countFlag('--start-concurrency', flags.startConcurrency, 1, 256),
    ...(flags.manager === undefined ? {} : { managerUrl: managerUrls('--manager', flags.manager) }),
    ...(joinToken === undefined ? {} : { joinToken }),
    register: flags.register,
    ...(flags.advertise === undefined ? {} : { advertiseUrl: advertiseFlag(flags.advertise, port) }),
    ...(flags.cpu === undefined ? {} : { cpuCores: coresFlag('--cpu', flags.cpu) }),
    ...(flags.memory === undefined ? {} : { memoryBytes: parseQuantity('--memory', flags.memory) }),
    labels: labelsFlag('--label', flags.label),
    allowedHostPaths: hostPathPrefixesFlag('--allow-host-path', flags.allowHostPath),
    allowedCaps: capabilitiesFlag('--allow-cap', flags.allowCap),
    network: networkFlags(flags),
    ...(flags.proxy === true ? { discovery: proxyFlags(flags, discovery) } : {}),
    ...(flags.hostId === undefined ? {} : { hostId: hostIdFlag(flags.hostId) }),
    fenceMs: durationFlag('--fence', flags.fence),
    registryAuth: registryAuthFlag(flags.registryAuth),
  };
}

function hostIdFlag(value: string): string {
  if (!new RegExp(HOST_ID_PATTERN).test(value))
    throw new InvalidField(
      '--host-id',
      `is ${JSON.stringify(value)}; use letters, digits, '.', '_', ':' or '-', at most 128, such as rack1-host3`,
    );
  return value;
}

/**
 * Where the worker reads registry credentials: the file given (it must be there), or the docker
 * CLI's own (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), read if and when it exists.
 */
export function registryAuthFlag(file: string | undefined): RegistryAuthSource {
  if (file !== undefined) {
    if (file.trim() === '') throw new InvalidField('--registry-auth', 'is empty; give a docker config.json');
    const path = resolve(file);
    // read now, as the start reads it first: --print-config refuses what the start would
    new RegistryAuth(path, () => {}).check('--registry-auth');
    return { path, required: true };
  }
  const dir = process.env.DOCKER_CONFIG;
  return {
    path: join(dir !== undefined && dir !== '' ? dir : join(homedir(), '.docker'), 'config.json'),
    required: false,
  };
}

/**
 * `poseidon worker`: runs until SIGINT or SIGTERM, or until the manager says its node was removed
 * from the cluster: then it stops its tasks and exits with EXIT_NODE_REMOVED, saying so.
 */
export async function runWorker(flags: WorkerFlags, config?: LoadedConfig): Promise<void> {
  const options = workerOptions(flags);
  const log = rootLogger(flags.logLevel);
  const runtime = await startWorkerRuntime(options, log).catch(async (err: unknown) => {
    // started from a config file, it is told the file's keys as well as the flags
    const { NotJoined } = await import('../pki/node-join.js');
    if (err instanceof NotJoined && config?.file !== undefined) throw new NotJoined(err.why, config.file);
    throw err;
  });
  const removed = runtime.removed.then(async (message) => {
    log.error(
      { component: 'worker', exitCode: EXIT_NODE_REMOVED },
      `${message}; its tasks are stopped and the worker exits`,
    );
    await runtime.close();
    process.exit(EXIT_NODE_REMOVED);
  });
  await Promise.race([runUntilSignal(log, () => runtime.close()), removed]);
}
