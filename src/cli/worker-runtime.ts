import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ManagerClient, poolConnections } from '../client/index.js';
import { systemClock } from '../clock/index.js';
import { DockerDriver, RegistryAuth, type NetworkInfo, type NetworkOptions } from '../driver/index.js';
import { setServerTls } from '../http/index.js';
import {
  CertificateRenewer,
  certificateAddresses,
  LiveCredentials,
  nodeCredentials,
  renewCredentials,
  saveNodeCredentials,
} from '../pki/index.js';
import { HostMetrics, readDiskSpace, readHeldPorts, readHostId, readHostRoutes } from '../stats/index.js';
import { startDiscoveryHost, type DiscoveryHost, type DiscoveryOptions } from './discovery-host.js';
import { Opened } from './opened.js';
import { LmdbStore } from '../store/index.js';
import { claimDataDir } from './data-dir-claim.js';
import { listenOn, makeDataDir } from './start-places.js';
import {
  createWorkerServer,
  ManagerReporter,
  portsInUseOutside,
  RevokedNodes,
  SelfFence,
  shmFilesRoot,
  Worker,
  type WorkerTaskRecord,
} from '../worker/index.js';

export interface WorkerRuntimeOptions {
  host: string;
  port: number;
  name: string;
  dataDir: string;
  dockerSocket: string;
  stopGraceSeconds: number;
  /** Container starts at once at most; default the worker's (DEFAULT_START_CONCURRENCY). */
  startConcurrency?: number;
  /** The manager this worker joins and renews its certificate with. */
  managerUrl?: string;
  /** Joins with this token when its data dir holds no valid certificate of the token's cluster. */
  joinToken?: string;
  /** Registers and reports to the manager (default); false: the manager polls it (`--workers`). */
  register?: boolean;
  /** URL the manager should call; default the listen URL. */
  advertiseUrl?: string;
  /** Capacity offered to the scheduler; default the host's. */
  cpuCores?: number;
  memoryBytes?: number;
  diskBytes?: number;
  /** The node's labels (`--label`), sent at register; constraints match them. */
  labels?: Record<string, string>;
  /** Host directories tasks may mount (`--allow-host-path`); none by default. */
  allowedHostPaths?: string[];
  /** Capabilities beyond Docker's default set tasks may add (`--allow-cap`); none by default. */
  allowedCaps?: string[];
  /** The Poseidon network every task joins (`--network`, `--subnet`); created at start when missing. */
  network?: NetworkOptions;
  /** `--proxy`: this worker is the host's discovery host (DNS server and proxy); needs `managerUrl`. */
  discovery?: DiscoveryOptions;
  /** The machine it runs on (`--host-id`); default readHostId()'s. */
  hostId?: string;
  /** With no manager reached for this long, exclusive tasks stop here (`--fence`). */
  fenceMs?: number;
  /** Where pulls find registry credentials (`--registry-auth`); absent: none. */
  registryAuth?: RegistryAuthSource;
  /**
   * Whether close() tells the manager the worker is restarting (its tasks stay placed meanwhile);
   * true unless false. `poseidon dev` says nothing: its manager stops first.
   */
  restartNotice?: boolean;
}

/** A docker config.json to pull with: one the operator named must be readable at the start. */
export interface RegistryAuthSource {
  path: string;
  required: boolean;
}

/** `poseidon worker --fence` default. */
export const DEFAULT_FENCE_MS = 10_000;

export interface Runtime {
  url: string;
  close(): Promise<void>;
}

/** A worker's runtime: a Runtime that can learn its node was removed. */
export interface WorkerRuntime extends Runtime {
  /**
   * Resolves, with the manager's words, once the manager said this node was removed from the
   * cluster (`poseidon node rm`) and the worker stopped every task it ran; never otherwise.
   */
  removed: Promise<string>;
}

/** Builds and starts a worker from its real dependencies (the composition root). */
export async function startWorkerRuntime(opts: WorkerRuntimeOptions, root: Logger): Promise<WorkerRuntime> {
  const log = root.child({ component: 'worker' });
  await poolConnections();
  const registryAuth =
    opts.registryAuth === undefined
      ? undefined
      : new RegistryAuth(opts.registryAuth.path, (fields, msg) => log.warn(fields, msg));
  if (opts.registryAuth?.required === true) registryAuth?.check('--registry-auth');
  const driver = new DockerDriver({
    socketPath: opts.dockerSocket,
    workerName: opts.name,
    publishIp: opts.host,
    ...(registryAuth === undefined ? {} : { registryAuth }),
    ...(opts.network === undefined ? {} : { network: opts.network, hostRoutes: () => readHostRoutes('/proc') }),
    log: root.child({ component: 'docker' }),
  });
  await driver.ping(); // "cannot reach the Docker engine ...: is dockerd running?"
  makeDataDir(opts.dataDir); // a new one 0700; its stores make their own dirs private
  // what the start opens, closed in the reverse order by close(), or when a later step fails
  const opened = new Opened();
  // one worker a data dir: its certificate there is its node's identity (data-dir-claim.ts)
  opened.add(await claimDataDir('worker', opts.dataDir));
  const addresses = certificateAddresses(opts.host, opts.advertiseUrl === undefined ? [] : [opts.advertiseUrl]);
  const { creds, network } = await opened.starting(log, async () => {
    // its identity: the node certificate in its data dir (node id and role in it), from joining
    const live = new LiveCredentials(
      await nodeCredentials({
        dataDir: opts.dataDir,
        addresses,
        now: systemClock.now(),
        log,
        ...(opts.managerUrl === undefined ? {} : { managerUrl: opts.managerUrl }),
        ...(opts.joinToken === undefined ? {} : { joinToken: opts.joinToken }),
      }),
      'manager',
    );
    // once it has joined (or holds its certificate): a worker that cannot join makes no network
    return { creds: live, network: await driver.ensureNetwork() };
  });
  if (network !== null) networkReady(log, network);
  let resolveRemoved: (message: string) => void = () => {};
  const removed = new Promise<string>((resolve) => (resolveRemoved = resolve));
  return opened.starting(log, async () => {
    const store = new LmdbStore<WorkerTaskRecord>(join(opts.dataDir, 'tasks'), {
      onSetAside: (key, reason) => log.error({ key, reason }, 'stored record cannot be decoded; set aside'),
    });
    opened.add(() => store.close());
    const metrics = new Registry();
    const hostMetrics = new HostMetrics({ diskPath: opts.dataDir });
    hostMetrics.start();
    opened.add(() => hostMetrics.stop());
    const nodeId = creds.current.info.nodeId;
    const managerUrl = opts.managerUrl;
    const hostId = opts.hostId ?? (await readHostId());
    // the node's certificate, trusting a manager certificate of its cluster only
    const manager = managerUrl === undefined ? undefined : new ManagerClient(managerUrl, 5_000, { tls: creds.client });
    const worker = new Worker({
      name: opts.name,
      driver,
      store,
      clock: systemClock,
      log,
      metrics,
      stopGraceSeconds: opts.stopGraceSeconds,
      ...(opts.startConcurrency === undefined ? {} : { startConcurrency: opts.startConcurrency }),
      files: {
        root: taskFilesRoot(nodeId, opts.dataDir, log),
        source:
          manager === undefined ? undefined : (taskId, generation) => manager.taskFiles(nodeId, taskId, generation),
      },
    });
    // a start that fails half way has its engine event stream open already
    opened.add(() => worker.stop());
    await worker.start();
    // the nodes removed from the cluster, as the manager's replies say: the tunnel refuses them
    const revoked = new RevokedNodes(log);
    const app = await createWorkerServer({
      worker,
      driver,
      limits: {
        maxCpuCores: availableParallelism(),
        maxMemoryBytes: totalmem(),
        // defence in depth: the manager places a host-path task only here if allowed, and this refuses it anyway
        allowedHostPaths: opts.allowedHostPaths ?? [],
        allowedCaps: opts.allowedCaps ?? [],
      },
      readHost: () => hostMetrics.read(),
      log,
      metrics,
      clock: systemClock,
      tls: creds.server,
      revoked,
    });
    opened.add(() => app.close());
    // the port taken: what was started above is closed, and the worker exits with the listen error
    const listened = await listenOn(app, opts.host, opts.port);
    const url = opts.advertiseUrl ?? listened;
    log.info({ url, name: opts.name, nodeId, dataDir: opts.dataDir }, 'worker listening');
    creds.onChange(() => setServerTls(app, creds.server));
    if (managerUrl === undefined) {
      const expiresAt = new Date(creds.current.info.notAfterMs).toISOString();
      log.warn({ nodeId, expiresAt }, 'no --manager: the certificate is not renewed');
    } else {
      const renewer = new CertificateRenewer({
        clock: systemClock,
        log,
        random: Math.random,
        current: () => creds.current.info,
        renew: async () => {
          const renewed = await renewCredentials(managerUrl, creds.current, addresses);
          await saveNodeCredentials(opts.dataDir, renewed);
          creds.replace(renewed);
        },
      });
      renewer.start();
      opened.add(() => renewer.stop());
    }
    if (manager !== undefined && opts.register !== false) {
      const disk = await readDiskSpace(opts.dataDir);
      // exclusive tasks stop here when no manager has answered for --fence
      const selfFence = new SelfFence({
        clock: systemClock,
        fenceMs: opts.fenceMs ?? DEFAULT_FENCE_MS,
        fenceExclusive: (reason) => worker.fenceExclusive(reason),
        log,
      });
      const reporter = new ManagerReporter({
        manager,
        worker,
        nodeId,
        name: opts.name,
        url,
        capacity: {
          cpuCores: opts.cpuCores ?? availableParallelism(),
          memoryBytes: opts.memoryBytes ?? totalmem(),
          diskBytes: opts.diskBytes ?? disk.totalBytes,
        },
        readHost: () => hostMetrics.read(),
        // other containers' published ports and the host's servers where tasks publish: those go elsewhere
        readPortsInUse: () => portsInUseOutside(worker, () => readHeldPorts('/proc', opts.host), opts.host),
        log,
        labels: opts.labels ?? {},
        allowedHostPaths: opts.allowedHostPaths ?? [],
        allowedCaps: opts.allowedCaps ?? [],
        stopGraceSeconds: opts.stopGraceSeconds,
        hostId,
        onContact: () => selfFence.contact(),
        onRevoked: (nodeIds) => revoked.replace(nodeIds),
        revokedVersion: () => revoked.version,
        onRemoved: (message) => {
          // its tasks run elsewhere now: copies left here would run twice (the manager's stops may not arrive)
          void worker.removeAll().then(
            () => resolveRemoved(message),
            (err: unknown) => {
              log.error({ err }, 'could not stop every task after the node was removed');
              resolveRemoved(message);
            },
          );
        },
      });
      reporter.start();
      // stopped on purpose, its tasks left running: the manager is told the worker restarts
      opened.add(() => reporter.stop({ restarting: opts.restartNotice !== false }));
      selfFence.start();
      opened.add(() => selfFence.stop());
      worker.askOwnershipWith(() => reporter.owned());
    }
    let discovery: DiscoveryHost | undefined;
    if (managerUrl !== undefined && opts.discovery !== undefined) {
      // its DNS port taken: the worker started above is closed too
      const host = await startDiscoveryHost(opts.discovery, {
        managerUrl,
        tls: creds.client,
        hostId,
        // as made: its subnet may have been found or picked rather than given
        network: network ?? undefined,
        metrics,
        log: root,
      });
      discovery = host;
      opened.add(() => host.close());
    }
    // `docker network prune` removes the Poseidon network when no container is on it: made again
    const networkWatch = new AbortController();
    const watchingNetwork = driver.watchNetwork(async () => discovery?.networkRestored(), networkWatch.signal);
    opened.add(async () => {
      networkWatch.abort();
      await watchingNetwork;
    });
    return { url, close: () => opened.close(), removed };
  });
}

/** Says which network tasks use, and when its subnet was picked past blocks in use, which those were. */
export function networkReady(log: Logger, network: NetworkInfo): void {
  log.info({ ...network }, 'poseidon network ready');
  if (network.passedOver.length > 0)
    log.warn(
      { network: network.name, subnet: network.subnet, passedOver: network.passedOver },
      'the first blocks of --subnet-pool are in use on this host: the network took a later one',
    );
}

/**
 * Where the worker writes tasks' secrets and configs: a directory of its own on /dev/shm (memory,
 * never the disk), or, on a host without it, the data dir (said once, at start).
 */
function taskFilesRoot(nodeId: string, dataDir: string, log: Logger): string {
  if (existsSync('/dev/shm')) return shmFilesRoot(nodeId);
  log.warn({ dataDir }, 'no /dev/shm: secrets are written under the data dir, on disk');
  return join(dataDir, 'task-files');
}
