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
import { runUntilSignal } from './lifecycle.js';
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
 * what earlier runs left instead.
 */
export async function runDev(flags: DevFlags, io: Output = STDIO): Promise<void> {
  const opts = devOptions(flags);
  if (flags.clean === true) {
    const { cleanDev } = await import('./dev-clean.js');
    await cleanDev(opts, io);
    return;
  }
  const { host, dataDir } = opts;
  const log = rootLogger(flags.logLevel);
  const managerDir = join(dataDir, 'manager');
  const release = await claimDev(dataDir); // before anything is made: a second dev is refused here
  await writeDevRecord(dataDir, { workerName: opts.workerName, network: opts.network.name });
  const { network, vipRange } = await devNetwork(opts, flags.vipRange, log).catch(async (err: unknown) => {
    await release();
    throw err;
  });
  const manager = await startManagerRuntime({ ...opts.manager, vipRange, dataDir: managerDir }, log).catch(
    async (err: unknown) => {
      await release();
      throw err;
    },
  );
  // its worker joins as any worker does: with the join token the manager wrote, over TLS that
  // trusts the CA the token pins (a restart finds the worker's certificate and needs none)
  const worker = await readFile(authorityPaths(managerDir).joinToken, 'utf8')
    .then((token) =>
      startWorkerRuntime(
        {
          ...opts.worker,
          network,
          name: opts.workerName,
          dataDir: join(dataDir, 'worker'),
          managerUrl: manager.url,
          joinToken: token.trim(),
          // the manager stops first (see the stop below): there is no one to tell of a restart
          restartNotice: false,
        },
        log,
      ),
    )
    .catch(async (err: unknown) => {
      // its port taken, say: the manager started above must not keep the process running
      await manager.close().catch(() => undefined);
      await release();
      throw err;
    });
  io.out(`poseidon dev: manager ${manager.url}, worker ${worker.url} (Ctrl-C stops both)\n`);
  // its worker removed (node rm): the worker part closes, its DNS and proxy too, the manager runs on
  let workerRemoved = false;
  void worker.removed.then(async (message) => {
    workerRemoved = true;
    io.err(
      `poseidon dev: ${message}; its tasks are stopped and its worker closed. The manager runs on with no ` +
        'worker: stop poseidon dev, then poseidon dev --clean and poseidon dev make a new cluster\n',
    );
    await worker.close().catch((err: unknown) => log.warn({ err: String(err) }, 'closing the removed worker failed'));
  });
  // the admin token the manager wrote on its first start and the cluster's CA, saved for the CLI
  // in other shells
  const tokenFile = adminTokenPath(managerDir);
  const token = (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
  const caFile = caPaths(managerDir).cert;
  if (token === '') {
    io.out(`  no admin token in ${tokenFile}: log in with a token of this cluster (poseidon login)\n`);
  } else {
    const saved = saveCredentials({ manager: manager.url, token, ca: caFile });
    io.out(`  credentials saved to ${saved}; try: poseidon status\n`);
  }
  const tls = { ca: await readFile(caFile, 'utf8') };
  const client = new ManagerClient(manager.url, 5_000, token === '' ? { tls } : { token, tls });
  if (flags.demo === true) {
    // the demo an earlier run left running (adopted now) holds its name: that one is the demo
    const submitted = await client.submit(demoTask(flags.demoImage)).catch((err: unknown) => {
      if (err instanceof PoseidonError && err.code === 'task_name_taken') return client.getTask(DEMO_TASK);
      throw err;
    });
    const task: ManagerTaskView = await waitForTask(client, submitted.id, 30_000);
    const port = task.ports[0]?.host ?? 0;
    if (task.state === 'Running' && port > 0) {
      const page = await fetch(`http://${host}:${port}/`).then(
        (r) => r.text(),
        (e: unknown) => `(no answer yet: ${String(e)})`,
      );
      const where = `task ${task.name} (${task.id.slice(0, 8)}) is Running on ${task.node}`;
      io.out(`demo: ${where}; http://${host}:${port}/ answers: ${printable(page.trim())}\n`);
    } else {
      io.out(printable(`demo: task ${task.name} is ${task.state}: ${task.reason}`) + '\n');
    }
  }
  let states: TaskState[] | undefined;
  await runUntilSignal(log, async () => {
    states = await taskStates(client);
    // the manager first: a worker that stops first may take longer than the heartbeat grace (it
    // waits for container stops under way), and a manager still running would count its node Down
    // and place its tasks anew, so the next start would replace them instead of adopting them
    await manager.close();
    await worker.close();
    await release();
  });
  io.out(devStopLine(states, workerRemoved));
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
