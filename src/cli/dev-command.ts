import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type ManagerTaskView } from '../api/index.js';
import { ManagerClient } from '../client/index.js';
import { hostFlag, portFlag } from './flags.js';
import { runUntilSignal } from './lifecycle.js';
import { rootLogger } from './logger.js';
import { DEFAULT_HEARTBEAT_GRACE_MS, startManagerRuntime } from './manager-runtime.js';
import { schedulerFlag } from './manager-command.js';
import { waitForTask } from './wait-task.js';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_STOP_GRACE_SECONDS } from './worker-command.js';
import { startWorkerRuntime } from './worker-runtime.js';

interface DevFlags {
  host: string;
  port: string;
  workerPort: string;
  dataDir?: string;
  scheduler: string;
  demo?: boolean;
  demoImage: string;
  logLevel?: string;
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

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('a whole cluster in one process: manager and worker with the embedded store')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'manager port', '5555')
    .option('--worker-port <port>', 'worker port', '5556')
    .option('--data-dir <dir>', 'where state is kept (default ~/.poseidon/dev)')
    .option('--scheduler <name>', 'roundrobin or epvm', 'epvm')
    .option('--demo', 'submit a demo web task and print where it answers')
    .option('--demo-image <image>', 'image for the demo task', 'poseidon/busybox:latest')
    .option('--log-level <level>', 'debug, info, warn or error', 'warn')
    .action(async (flags: DevFlags) => {
      const host = hostFlag('--host', flags.host);
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
        },
        log,
      );
      const worker = await startWorkerRuntime(
        {
          host,
          port: portFlag('--worker-port', flags.workerPort),
          name: 'dev-worker',
          dataDir: join(dataDir, 'worker'),
          dockerSocket: DEFAULT_DOCKER_SOCKET,
          stopGraceSeconds: DEFAULT_STOP_GRACE_SECONDS,
          managerUrl: manager.url,
        },
        log,
      );
      process.stdout.write(`poseidon dev: manager ${manager.url}, worker ${worker.url} (Ctrl-C stops both)\n`);
      process.stdout.write(`  try: POSEIDON_MANAGER=${manager.url} poseidon status\n`);
      if (flags.demo === true) {
        const client = new ManagerClient(manager.url);
        const submitted = await client.submit(demoTask(flags.demoImage));
        const task: ManagerTaskView = await waitForTask(client, submitted.id, 30_000);
        const port = task.ports[0]?.host ?? 0;
        if (task.state === 'Running' && port > 0) {
          const page = await fetch(`http://${host}:${port}/`).then(
            (r) => r.text(),
            (e: unknown) => `(no answer yet: ${String(e)})`,
          );
          const where = `task ${task.name} (${task.id.slice(0, 8)}) is Running on ${task.node}`;
          process.stdout.write(`demo: ${where}; http://${host}:${port}/ answers: ${page.trim()}\n`);
        } else {
          process.stdout.write(`demo: task ${task.name} is ${task.state}: ${task.reason}\n`);
        }
      }
      await runUntilSignal(log, async () => {
        await worker.close();
        await manager.close();
      });
    });
}
