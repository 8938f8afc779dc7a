import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ManagerTaskView } from '../api/index.js';
import { adminTokenPath } from '../auth/index.js';
import { ManagerClient } from '../client/index.js';
import { authorityPaths, caPaths, DEFAULT_CERT_TTL_MS } from '../pki/index.js';
import { saveCredentials } from './credentials.js';
import { DEFAULT_HEARTBEAT_GRACE_MS, DEFAULT_STOP_GRACE_SECONDS } from './defaults.js';
import { hostFlag, hostPathPrefixesFlag, labelsFlag, portFlag } from './flags.js';
import { runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { engineGraceFlag, schedulerFlag } from './manager-action.js';
import { startManagerRuntime } from './manager-runtime.js';
import { waitForTask } from './wait-task.js';
import { printable } from './terminal-text.js';
import { networkFlags, vipRangeFlag } from './network-flags.js';
import { discoveryFlags, type DnsFlags } from './discovery-host.js';
import { startWorkerRuntime } from './worker-runtime.js';

export interface DevFlags extends DnsFlags {
  host: string;
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
  network: string;
  subnet: string;
  vipRange: string;
}

/** The demo task: busybox httpd serving a page, on a host port Docker picks. */
function demoTask(image: string): Record<string, unknown> {
  return {
    name: 'hello-web',
    image,
    command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    ports: [{ container: 8080 }],
    memory: '32Mi',
    cpu: 0.25,
  };
}

/** `poseidon dev`: a manager and a worker in this process until SIGINT or SIGTERM; --demo submits a web task. */
export async function runDev(flags: DevFlags): Promise<void> {
  const host = hostFlag('--host', flags.host);
  const labels = labelsFlag('--label', flags.label);
  const allowedHostPaths = hostPathPrefixesFlag('--allow-host-path', flags.allowHostPath);
  const network = networkFlags(flags);
  const discovery = discoveryFlags(flags);
  const vipRange = vipRangeFlag(flags.vipRange, network.subnet);
  const dataDir = flags.dataDir ?? join(homedir(), '.poseidon', 'dev');
  const log = rootLogger(flags.logLevel);
  const manager = await startManagerRuntime(
    {
      host,
      port: portFlag('--port', flags.port),
      dataDir: join(dataDir, 'manager'),
      scheduler: schedulerFlag(flags.scheduler),
      staticWorkers: [],
      heartbeatGraceMs: DEFAULT_HEARTBEAT_GRACE_MS,
      certTtlMs: DEFAULT_CERT_TTL_MS,
      engineGraceMs: engineGraceFlag(flags.engineGrace),
      vipRange,
    },
    log,
  );
  // its worker joins as any worker does: with the join token the manager wrote, over TLS that
  // trusts the CA the token pins (a restart finds the worker's certificate and needs none)
  const managerDir = join(dataDir, 'manager');
  const joinToken = (await readFile(authorityPaths(managerDir).joinToken, 'utf8')).trim();
  const worker = await startWorkerRuntime(
    {
      host,
      port: portFlag('--worker-port', flags.workerPort),
      name: 'dev-worker',
      dataDir: join(dataDir, 'worker'),
      dockerSocket: flags.dockerSocket,
      stopGraceSeconds: DEFAULT_STOP_GRACE_SECONDS,
      managerUrl: manager.url,
      joinToken,
      labels,
      allowedHostPaths,
      network,
      discovery, // its worker is the host's discovery host, as `worker --proxy`
    },
    log,
  );
  process.stdout.write(`poseidon dev: manager ${manager.url}, worker ${worker.url} (Ctrl-C stops both)\n`);
  // the admin token the manager wrote on its first start and the cluster's CA, saved for the CLI
  // in other shells
  const tokenFile = adminTokenPath(managerDir);
  const token = (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
  const caFile = caPaths(managerDir).cert;
  if (token === '') {
    process.stdout.write(`  no admin token in ${tokenFile}: log in with a token of this cluster (poseidon login)\n`);
  } else {
    const saved = saveCredentials({ manager: manager.url, token, ca: caFile });
    process.stdout.write(`  credentials saved to ${saved}; try: poseidon status\n`);
  }
  if (flags.demo === true) {
    const tls = { ca: await readFile(caFile, 'utf8') };
    const client = new ManagerClient(manager.url, undefined, token === '' ? { tls } : { token, tls });
    const submitted = await client.submit(demoTask(flags.demoImage));
    const task: ManagerTaskView = await waitForTask(client, submitted.id, 30_000);
    const port = task.ports[0]?.host ?? 0;
    if (task.state === 'Running' && port > 0) {
      const page = await fetch(`http://${host}:${port}/`).then(
        (r) => r.text(),
        (e: unknown) => `(no answer yet: ${String(e)})`,
      );
      const where = `task ${task.name} (${task.id.slice(0, 8)}) is Running on ${task.node}`;
      process.stdout.write(`demo: ${where}; http://${host}:${port}/ answers: ${printable(page.trim())}\n`);
    } else {
      process.stdout.write(printable(`demo: task ${task.name} is ${task.state}: ${task.reason}`) + '\n');
    }
  }
  await runUntilSignal(log, async () => {
    await worker.close();
    await manager.close();
  });
}
