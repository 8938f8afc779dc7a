import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ManagerTaskView } from '../api/index.js';
import type { Logger } from 'pino';
import { ensureNetworkAt, type NetworkOptions } from '../driver/index.js';
import { readHostRoutes } from '../stats/index.js';
import type { TaskState } from '../task/state-machine.js';
import { adminTokenPath } from '../auth/index.js';
import { ManagerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { authorityPaths, caPaths, DEFAULT_CERT_TTL_MS } from '../pki/index.js';
import { saveCredentials } from './credentials.js';
import { DEFAULT_HEARTBEAT_GRACE_MS, DEFAULT_STOP_GRACE_SECONDS } from './defaults.js';
import { claimDev } from './dev-claim.js';
import { STDIO, type Output } from './each-name.js';
import { writeDevRecord } from './dev-record.js';
import { devStopLine } from './dev-stop-line.js';
import { capabilitiesFlag, hostFlag, hostPathPrefixesFlag, labelsFlag, nameFlag, portFlag } from './flags.js';
import { DevInterrupted, DevStop } from './dev-stop.js';
import { rootLogger } from './logger.js';
import { engineGraceFlag, historyFlags, schedulerFlag } from './manager-action.js';
import { startManagerRuntime, type ManagerRuntimeOptions } from './manager-runtime.js';
import { waitForTask } from './wait-task.js';
import { printable } from './terminal-text.js';
import { networkFlags, upperHalf, vipRangeFlag } from './network-flags.js';
import { discoveryFlags, type DnsFlags } from './discovery-host.js';
import { networkReady, startWorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js';
import { registryAuthFlag } from './worker-action.js';

export interface DevFlags extends DnsFlags {
  host: string;
  workerName: string;
  /** --clean: remove what earlier runs left, and exit. */
  clean?: boolean;
  port: string;
  workerPort: string;
  dataDir?: string;
  scheduler: string;
  engineGrace: string;
  dockerSocket: string;
  demo?: boolean;
  demoImage: string;
  logLevel?: string;
  /** --label key=value, repeatable: the dev worker's labels. */
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
  /** Absent: the upper half of the network's subnet. */
  vipRange?: string;
  taskHistory: string;
  plainTaskHistory: string;
}

/** `poseidon dev`'s flags, checked. */
export interface DevOptions {
  host: string;
  dataDir: string;
  workerName: string;
  network: NetworkOptions;
  manager: Omit<ManagerRuntimeOptions, 'dataDir'>;
  worker: Omit<WorkerRuntimeOptions, 'name' | 'dataDir'>;
}

const DEMO_TASK = 'hello-web';

/** The demo task: busybox httpd serving a page, on a host port Docker picks. */
function demoTask(image: string): Record<string, unknown> {
  return {
    name: DEMO_TASK,
    image,
    command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    ports: [{ container: 8080 }],
    memory: '32Mi',
    cpu: 0.25,
  };
}

/** `poseidon dev`'s flags, checked: a bad one throws naming its flag. */
export function devOptions(flags: DevFlags): DevOptions {
  const host = hostFlag('--host', flags.host);
  const network = networkFlags(flags);
  return {
    host,
    dataDir: flags.dataDir ?? join(homedir(), '.poseidon', 'dev'),
    workerName: nameFlag('--worker-name', flags.workerName),
    network,
    manager: {
      host,
      port: portFlag('--port', flags.port),
      scheduler: schedulerFlag(flags.scheduler),
      staticWorkers: [],
      heartbeatGraceMs: DEFAULT_HEARTBEAT_GRACE_MS,
      certTtlMs: DEFAULT_CERT_TTL_MS,
      engineGraceMs: engineGraceFlag(flags.engineGrace),
      // checked against the subnet here when both are given, against the network's when it is made
      ...(flags.vipRange === undefined ? {} : { vipRange: vipRangeFlag(flags.vipRange, network.subnet) }),
      ...historyFlags(flags),
    },
    worker: {
      host,
      port: portFlag('--worker-port', flags.workerPort),
      dockerSocket: flags.dockerSocket,
      stopGraceSeconds: DEFAULT_STOP_GRACE_SECONDS,
      labels: labelsFlag('--label', flags.label),
      allowedHostPaths: hostPathPrefixesFlag('--allow-host-path', flags.allowHostPath),
      allowedCaps: capabilitiesFlag('--allow-cap', flags.allowCap),
      network,
      discovery: discoveryFlags(flags), // its worker is the host's discovery host, as `worker --proxy`
      registryAuth: registryAuthFlag(undefined), // the docker CLI's credentials, as `docker run` uses them
    },
  };
}

/**
 * `poseidon dev`: a manager and a worker in this process until SIGINT or SIGTERM, which leave its
 * tasks running (the next `poseidon dev` adopts them); --demo submits a web task; --clean removes
 * what earlier runs left instead. The signals are heard from the start (dev-stop.ts): one while dev
 * starts stops what it made so far. A start that fails stops what it made too.
 */
export async function runDev(flags: DevFlags, io: Output = STDIO): Promise<void> {
  const opts = devOptions(flags);
  if (flags.clean === true) {
    const { cleanDev } = await import('./dev-clean.js');
    await cleanDev(opts, io);
    return;
  }
  const log = rootLogger(flags.logLevel);
  const stop = new DevStop(log); // before anything is made, and before the first await
  try {
    await startAndRun(opts, flags, io, log, stop);
  } finally {
    stop.dispose();
  }
}

/** What dev made so far, stopped in this order: the manager first (see below), its worker, the claim. */
interface Made {
  manager?: { close(): Promise<void> };
  worker?: { close(): Promise<void> };
  release?: () => Promise<void>;
  /** Asks the manager for the tasks' states, for the line dev ends with; once it answers. */
  client?: ManagerClient;
  /** Its worker was removed (node rm) while dev ran. */
  workerRemoved?: boolean;
}

async function stopMade(made: Made): Promise<void> {
  // the manager first: a worker that stops first may take longer than the heartbeat grace (it
  // waits for container stops under way), and a manager still running would count its node Down
  // and place its tasks anew, so the next start would replace them instead of adopting them
  // each is stopped though one before failed (the claim released too); the first failure is thrown
  let failed: { err: unknown } | undefined;
  for (const close of [made.manager?.close.bind(made.manager), made.worker?.close.bind(made.worker), made.release])
    await close?.().catch((err: unknown) => void (failed ??= { err }));
  if (failed !== undefined) throw failed.err;
}

async function startAndRun(opts: DevOptions, flags: DevFlags, io: Output, log: Logger, stop: DevStop): Promise<void> {
  const made: Made = {};
  try {
    await start(opts, flags, io, log, stop, made);
  } catch (err) {
    if (!(err instanceof DevInterrupted)) {
      // its port taken, say: what started must not keep the process running
      await stopMade(made).catch((e: unknown) => log.warn({ err: String(e) }, 'stopping what dev started failed'));
      throw err;
    }
  }
  const states = made.client === undefined ? undefined : await taskStates(made.client);
  await stopMade(made);
  io.out(made.client === undefined ? DEV_STOPPED_STARTING : devStopLine(states, made.workerRemoved === true));
}

/** What dev ends with when a signal stopped it before its manager answered. */
export const DEV_STOPPED_STARTING =
  'poseidon dev: stopped while starting; what earlier runs left is as it was ' +
  '(the next poseidon dev takes it over; poseidon dev --clean removes it)\n';

/**
 * Starts the dev cluster, each part in `made` as it is made, then waits for a signal. Throws
 * DevInterrupted for a signal while it starts.
 */
async function start(
  opts: DevOptions,
  flags: DevFlags,
  io: Output,
  log: Logger,
  stop: DevStop,
  made: Made,
): Promise<void> {
  const { host, dataDir } = opts;
  const managerDir = join(dataDir, 'manager');
  made.release = await claimDev(dataDir); // before anything is made: a second dev is refused here
  stop.check();
  await writeDevRecord(dataDir, { workerName: opts.workerName, network: opts.network.name });
  stop.check();
  const { network, vipRange } = await devNetwork(opts, flags.vipRange, log);
  stop.check();
  const manager = await startManagerRuntime({ ...opts.manager, vipRange, dataDir: managerDir }, log);
  made.manager = manager;
  stop.check();
  // its worker joins as any worker does: with the join token the manager wrote, over TLS that
  // trusts the CA the token pins (a restart finds the worker's certificate and needs none)
  const token = (await readFile(authorityPaths(managerDir).joinToken, 'utf8')).trim();
  const worker = await startWorkerRuntime(
    {
      ...opts.worker,
      network,
      name: opts.workerName,
      dataDir: join(dataDir, 'worker'),
      managerUrl: manager.url,
      joinToken: token,
      // the manager stops first (see stopMade): there is no one to tell of a restart
      restartNotice: false,
    },
    log,
  );
  made.worker = worker;
  stop.check();
  io.out(`poseidon dev: manager ${manager.url}, worker ${worker.url} (Ctrl-C stops both)\n`);
  // its worker removed (node rm): the worker part closes, its DNS and proxy too, the manager runs on
  void worker.removed.then(async (message) => {
    made.workerRemoved = true;
    io.err(
      `poseidon dev: ${message}; its tasks are stopped and its worker closed. The manager runs on with no ` +
        'worker: stop poseidon dev, then poseidon dev --clean and poseidon dev make a new cluster\n',
    );
    await worker.close().catch((err: unknown) => log.warn({ err: String(err) }, 'closing the removed worker failed'));
  });
  // the admin token the manager wrote on its first start and the cluster's CA, saved for the CLI
  // in other shells
  const tokenFile = adminTokenPath(managerDir);
  const adminToken = (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
  const caFile = caPaths(managerDir).cert;
  if (adminToken === '') {
    io.out(`  no admin token in ${tokenFile}: log in with a token of this cluster (poseidon login)\n`);
  } else {
    const saved = saveCredentials({ manager: manager.url, token: adminToken, ca: caFile });
    io.out(`  credentials saved to ${saved}; try: poseidon status\n`);
  }
  const tls = { ca: await readFile(caFile, 'utf8') };
  const client = new ManagerClient(manager.url, 5_000, adminToken === '' ? { tls } : { token: adminToken, tls });
  made.client = client;
  stop.check();
  if (flags.demo === true) await demo(client, flags.demoImage, host, io, stop);
  await stop.heard;
}

/** --demo: the demo task, submitted and waited for, and what its page answers; a signal ends the wait. */
async function demo(client: ManagerClient, image: string, host: string, io: Output, stop: DevStop): Promise<void> {
  // the demo an earlier run left running (adopted now) holds its name: that one is the demo
  const submitted = await stop.unlessStopped(
    client.submit(demoTask(image)).catch((err: unknown) => {
      if (err instanceof PoseidonError && err.code === 'task_name_taken') return client.getTask(DEMO_TASK);
      throw err;
    }),
  );
  const task: ManagerTaskView = await stop.unlessStopped(waitForTask(client, submitted.id, 30_000));
  const port = task.ports[0]?.host ?? 0;
  if (task.state === 'Running' && port > 0) {
    const page = await stop.unlessStopped(
      fetch(`http://${host}:${port}/`).then(
        (r) => r.text(),
        (e: unknown) => `(no answer yet: ${String(e)})`,
      ),
    );
    const where = `task ${task.name} (${task.id.slice(0, 8)}) is Running on ${task.node}`;
    io.out(`demo: ${where}; http://${host}:${port}/ answers: ${printable(page.trim())}\n`);
  } else {
    io.out(printable(`demo: task ${task.name} is ${task.state}: ${task.reason}`) + '\n');
  }
}

/**
 * The dev cluster's network and its services' virtual IPs, which share one subnet: given with
 * --subnet, or the network's own, or a free block of --subnet-pool (the network is made first,
 * before the manager, to know it). The virtual IPs are --vip-range, which must lie in the subnet's
 * upper half, or that upper half itself, where no container takes an address.
 */
async function devNetwork(
  opts: DevOptions,
  vipRangeGiven: string | undefined,
  log: Logger,
): Promise<{ network: NetworkOptions; vipRange: string }> {
  let subnet = opts.network.subnet;
  if (subnet === undefined) {
    const routes = { routes: () => readHostRoutes('/proc') };
    const made = await ensureNetworkAt(opts.worker.dockerSocket, opts.network, routes);
    networkReady(log.child({ component: 'worker' }), made);
    subnet = made.subnet;
  }
  const vipRange = vipRangeGiven === undefined ? upperHalf(subnet) : vipRangeFlag(vipRangeGiven, subnet);
  return { network: { ...opts.network, subnet }, vipRange };
}

/** The states of the cluster's tasks, for the line a stop ends with: what it leaves behind. */
async function taskStates(client: ManagerClient): Promise<TaskState[] | undefined> {
  try {
    return (await client.listTasks({}, ['state'])).map((t) => t.state);
  } catch {
    return undefined; // the line says "its tasks" instead of a count
  }
}
