import { Command } from 'commander';
import {
  DEFAULT_CERT_TTL,
  DEFAULT_DNS_PORT,
  DEFAULT_DNS_TTL,
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_ENGINE_GRACE_MS,
  DEFAULT_HEARTBEAT_GRACE_MS,
  DEFAULT_MANAGER_PORT,
  DEFAULT_MANAGER_URL,
  DEFAULT_NETWORK,
  DEFAULT_SUBNET,
  DEFAULT_VIP_RANGE,
  DEFAULT_START_CONCURRENCY,
  DEFAULT_STOP_GRACE_SECONDS,
  DEFAULT_STRATEGY,
  DEFAULT_WORKER_PORT,
  STRATEGY_NAMES,
} from './defaults.js';
import type { DeployFlags } from './deploy-action.js';
import type { DevFlags } from './dev-action.js';
import type { EventsFlags } from './events-action.js';
import type { LoginFlags } from './login-action.js';
import type { LogsFlags } from './logs-action.js';
import type { ManagerFlags } from './manager-action.js';
import type { NodeFlags, StatusFlags, StopFlags } from './status-action.js';
import type { ClusterFlags } from './cluster-action.js';
import type { RotateFlags } from './rotate-action.js';
import { registerService } from './service-commands.js';
import type { TaskFlags } from './task-action.js';
import type { TokenCreateFlags, TokenListFlags } from './token-action.js';
import type { VolumeFlags } from './volume-action.js';
import type { WorkerFlags } from './worker-action.js';

// Every command's name, flags and help, and nothing else: each action imports what its command
// does (`*-action.ts`, one file per command) when it runs, so `poseidon --version` loads
// commander and this file, `poseidon status` adds the HTTP client, and only `manager`, `worker`
// and `dev` load fastify, the store and dockerode. The definitions share one file on purpose:
// every `poseidon` run loads all of them, and each module costs Node's ESM loader a resolve, a
// read and a compile (eleven small files took about 15 ms more than one on a busy 2-core machine).

/** commander's collector for a repeatable flag (`--label a=1 --label b=2`); here, so no other module loads for it. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The top-level commands, each with what registers it (and its siblings), in the order help lists
 * them.
 */
const COMMANDS: ReadonlyArray<readonly [readonly string[], (program: Command) => void]> = [
  [['manager'], registerManager],
  [['worker'], registerWorker],
  [['dev'], registerDev],
  [['task', 'run'], registerTask],
  [['service'], (program) => registerService(program, withManager)],
  [['status', 'stop', 'node'], registerStatus],
  [['cluster'], registerCluster],
  [['logs'], registerLogs],
  [['events'], registerEvents],
  [['login'], registerLogin],
  [['token'], registerToken],
  [['deploy'], registerDeploy],
  [['volume'], registerVolume],
];

/**
 * The CLI, ready to parse. Given the command a run names (`status`), only that command (and those
 * registered with it) is defined: defining all of them took `poseidon status` several ms of
 * commander's time. Anything else (no command, `--help`, `help`, a typo) gets the whole CLI, so
 * help lists every command and a typo is answered with the nearest name.
 */
export function buildProgram(command?: string): Command {
  const program = new Command();
  program
    .name('poseidon')
    .description('Poseidon: a container orchestrator for when Kubernetes is too much')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`poseidon: ${str.replace(/^error: /, '')}`) });
  const named = COMMANDS.find(([names]) => command !== undefined && names.includes(command));
  for (const [, register] of named === undefined ? COMMANDS : [named]) register(program);
  return program;
}

/**
 * Adds --manager, --token and --ca to a command that talks to the Manager API (its action builds
 * the client: manager-client.ts). Each falls back to its environment variable, then to what
 * `poseidon login` saved.
 */
function withManager(cmd: Command): Command {
  return cmd
    .option('--manager <url>', `manager address (env POSEIDON_MANAGER; default ${DEFAULT_MANAGER_URL})`)
    .option('--token <token>', 'API token (env POSEIDON_TOKEN; default the one poseidon login saved)')
    .option('--ca <file>', "the cluster's CA certificate, for https:// (env POSEIDON_CA)");
}

function registerManager(program: Command): void {
  program
    .command('manager')
    .description('run the manager: accepts tasks, places them on workers, keeps them running')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_MANAGER_PORT))
    .option('--data-dir <dir>', 'where the embedded store lives (default ~/.poseidon/manager)')
    .option('--store <url>', 'lmdb (the embedded store, default) or etcd://host:port,host:port[/prefix]')
    .option('--store-ca <file>', 'CA certificate of etcd (PEM): talk to it over TLS')
    .option('--store-cert <file>', 'client certificate for etcd (PEM), with --store-key')
    .option('--store-key <file>', 'private key of --store-cert (PEM)')
    .option(
      '--join-token <token>',
      "with --store etcd, join the manager group with this token (a group manager's <data-dir>/manager-join-token)",
    )
    .option('--scheduler <name>', `placement strategy: ${STRATEGY_NAMES.join(' or ')}`, DEFAULT_STRATEGY)
    .option('--workers <list>', 'static workers to poll, host:port,host:port (workers may also join with --manager)')
    .option(
      '--heartbeat-grace <duration>',
      'missed heartbeats for this long mark a node Down',
      `${DEFAULT_HEARTBEAT_GRACE_MS}ms`,
    )
    .option('--metrics-open', 'serve GET /metrics without a token (for a Prometheus that has none)')
    .option('--advertise <url>', 'URL workers and the CLI reach the manager at (its certificate names it)')
    .option('--cert-ttl <duration>', 'how long node certificates last; they renew at 50-80% of it', DEFAULT_CERT_TTL)
    .option(
      '--engine-grace <duration>',
      "a node's container engine away this long: its tasks are placed elsewhere",
      `${DEFAULT_ENGINE_GRACE_MS / 1000}s`,
    )
    .option('--vip-range <cidr>', "where services' virtual IPs come from", DEFAULT_VIP_RANGE)
    .option('--log-level <level>', 'debug, info, warn or error')
    .action(async (flags: ManagerFlags) => {
      const { runManager } = await import('./manager-action.js');
      await runManager(flags);
    });
}

/** The DNS server's flags, on `worker` (with --proxy) and `dev`. */
function withDnsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--dns-port <port>',
      'DNS server port on 127.0.0.1 (containers use the gateway, port 53)',
      String(DEFAULT_DNS_PORT),
    )
    .option('--dns-ttl <seconds>', 'how long DNS answers may be cached', String(DEFAULT_DNS_TTL))
    .option(
      '--no-recursion',
      'answer REFUSED for names outside svc.poseidon.cluster instead of asking the host resolvers',
    );
}

function registerWorker(program: Command): void {
  const worker = program
    .command('worker')
    .description('run a worker: starts tasks as Docker containers and serves the Worker API')
    .option('--host <address>', 'address to listen on (published ports bind here too)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_WORKER_PORT))
    .option('--name <name>', 'worker name, put on its containers as poseidon.worker', 'worker-1')
    .option('--data-dir <dir>', 'where task records are kept (default ~/.poseidon/<name>)')
    .option('--manager <url>', 'join this manager (e.g. https://127.0.0.1:5555)')
    .option(
      '--join-token <token>',
      "join with this token (the manager's <data-dir>/join-token; env POSEIDON_JOIN_TOKEN); not needed once joined",
    )
    .option('--no-register', 'join (certificate) but do not register: the manager polls it (manager --workers)')
    .option('--advertise <url>', 'URL the manager should use to reach this worker (default the listen address)')
    .option('--cpu <cores>', 'cpu cores offered to the scheduler (default all)')
    .option('--memory <quantity>', 'memory offered to the scheduler, e.g. 2Gi (default all)')
    .option('--label <key=value>', 'a node label constraints match, e.g. zone=a (repeatable)', collect)
    .option('--fence <duration>', 'with no manager reached for this long, stop exclusive tasks here', '10s')
    .option(
      '--allow-host-path <dir>',
      'let tasks mount host directories under this one (repeatable; default none)',
      collect,
    )
    .option('--docker-socket <path>', 'Docker engine socket', DEFAULT_DOCKER_SOCKET)
    .option('--network <name>', 'the bridge network every task joins (and its Linux bridge name)', DEFAULT_NETWORK)
    .option('--subnet <cidr>', "the network's subnet: containers take its lower half", DEFAULT_SUBNET)
    .option('--proxy', "be this host's discovery host: follow the endpoint stream, serve DNS and the proxy")
    .option(
      '--stop-grace <seconds>',
      'SIGTERM grace before SIGKILL when stopping a task',
      String(DEFAULT_STOP_GRACE_SECONDS),
    )
    .option(
      '--start-concurrency <n>',
      'containers started at once at most; the rest wait their turn',
      String(DEFAULT_START_CONCURRENCY),
    )
    .option('--log-level <level>', 'debug, info, warn or error');
  withDnsOptions(worker).action(async (flags: WorkerFlags) => {
    const { runWorker } = await import('./worker-action.js');
    await runWorker(flags);
  });
}

function registerDev(program: Command): void {
  const dev = program
    .command('dev')
    .description('a whole cluster in one process: manager and worker with the embedded store')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'manager port', String(DEFAULT_MANAGER_PORT))
    .option('--worker-port <port>', 'worker port', String(DEFAULT_WORKER_PORT))
    .option('--data-dir <dir>', 'where state is kept (default ~/.poseidon/dev)')
    .option('--scheduler <name>', STRATEGY_NAMES.join(' or '), DEFAULT_STRATEGY)
    .option(
      '--engine-grace <duration>',
      'Docker away this long: its tasks are given up (they come back with it either way)',
      `${DEFAULT_ENGINE_GRACE_MS / 1000}s`,
    )
    .option('--docker-socket <path>', "the Docker engine's socket", DEFAULT_DOCKER_SOCKET)
    .option('--network <name>', 'the bridge network every task joins', DEFAULT_NETWORK)
    .option('--subnet <cidr>', "the network's subnet: containers take its lower half", DEFAULT_SUBNET)
    .option('--vip-range <cidr>', "services' virtual IPs, in the subnet's upper half", DEFAULT_VIP_RANGE)
    .option('--label <key=value>', 'a label of the dev worker, e.g. zone=a (repeatable)', collect)
    .option('--allow-host-path <dir>', 'let tasks mount host directories under this one (repeatable)', collect)
    .option('--demo', 'submit a demo web task and print where it answers')
    .option('--demo-image <image>', 'image for the demo task', 'poseidon/busybox:latest')
    .option('--log-level <level>', 'debug, info, warn or error', 'warn');
  withDnsOptions(dev).action(async (flags: DevFlags) => {
    const { runDev } = await import('./dev-action.js');
    await runDev(flags);
  });
}

function registerTask(program: Command): void {
  const add = (cmd: Command): Command =>
    withManager(cmd)
      .option('--wait', 'wait until the task is Running (exit 1 if it fails)')
      .option('--timeout <duration>', 'how long --wait waits', '60s')
      .option('--json', 'print the task as JSON');
  add(
    program
      .command('task')
      .description('submit a task from a JSON file (native spec or seed TaskEvent) and print its id'),
  )
    .requiredOption('-f, --filename <file>', 'task file')
    .action(async (flags: TaskFlags) => {
      const { submitTask } = await import('./task-action.js');
      await submitTask(flags.filename ?? '', flags);
    });
  add(program.command('run').description('same as `task --filename FILE`').argument('<file>', 'task file')).action(
    async (file: string, flags: TaskFlags) => {
      const { submitTask } = await import('./task-action.js');
      await submitTask(file, flags);
    },
  );
}

function registerStatus(program: Command): void {
  withManager(program.command('status'))
    .description('list tasks (or show one, by id or unique id prefix)')
    .argument('[id]', 'task id or unique prefix')
    .option('--state <state>', 'only tasks in this state')
    .option('--node <name>', 'only tasks on this node')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags: StatusFlags) => {
      const { showStatus } = await import('./status-action.js');
      await showStatus(id, flags);
    });

  withManager(program.command('stop'))
    .description('stop a task (by id or unique id prefix); it is never restarted')
    .argument('<id>', 'task id or unique prefix')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: StopFlags) => {
      const { stopTask } = await import('./status-action.js');
      await stopTask(id, flags);
    });

  const node = withManager(program.command('node'))
    .description('list the nodes of the cluster (or remove one: node rm)')
    .option('--json', 'print JSON')
    .action(async (flags: NodeFlags) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(flags);
    });
  // --manager, --token, --ca and --json are node's: rm reads them with its parent's
  node
    .command('rm')
    .description('remove a node now: its certificate is refused from now on, its tasks go elsewhere (admin)')
    .argument('<node>', 'node name or id')
    .option(
      '--dead',
      'the machine is gone (powered off, its containers with it): its exclusive tasks may run elsewhere',
    )
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { removeNode } = await import('./status-action.js');
      await removeNode(nameOrId, cmd.optsWithGlobals<NodeFlags>());
    });
}

function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('the managers and their store');
  withManager(cluster.command('status'))
    .description('which manager leads, since when, and the health of each store member')
    .option('--json', 'print JSON')
    .action(async (flags: ClusterFlags) => {
      const { showClusterStatus } = await import('./cluster-action.js');
      await showClusterStatus(flags);
    });
}

function registerLogs(program: Command): void {
  withManager(program.command('logs'))
    .description("print a task's container output (stdout and stderr), from whichever worker runs it")
    .argument('<id>', 'task id or unique prefix')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--tail <n>', 'only the last n lines')
    .action(async (id: string, flags: LogsFlags) => {
      const { printLogs } = await import('./logs-action.js');
      await printLogs(id, flags);
    });
}

function registerEvents(program: Command): void {
  withManager(program.command('events'))
    .description('print task and node events as they happen')
    .option('--json', 'one JSON object per line')
    .action(async (flags: EventsFlags) => {
      const { printEvents } = await import('./events-action.js');
      await printEvents(flags);
    });
}

function registerLogin(program: Command): void {
  program
    .command('login')
    .description('check an API token against a manager and save both, so later commands need no flags')
    .argument('<url>', 'the manager, e.g. https://10.0.0.5:5555')
    .option('--token <token>', 'API token (env POSEIDON_TOKEN)')
    .option('--ca <file>', "the cluster's CA certificate, for https:// (env POSEIDON_CA)")
    .action(async (url: string, flags: LoginFlags) => {
      const { login } = await import('./login-action.js');
      await login(url, flags);
    });
}

function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens for people and scripts (needs an admin token)');
  withManager(token.command('create'))
    .description('create a token and print it, the only time it is shown')
    .requiredOption('--scope <scope>', 'read (every GET), deploy (also submit and stop) or admin (everything)')
    .option('--ttl <duration>', 'expire after this long, e.g. 30d, 12h, 90m (default never)')
    .option('--name <name>', 'what the token is for, shown by token ls')
    .option('--json', 'print JSON')
    .action(async (flags: TokenCreateFlags) => {
      const { createToken } = await import('./token-action.js');
      await createToken(flags);
    });
  withManager(token.command('ls'))
    .description('list tokens: id, name, scope, state, created, expires, last used (never a secret)')
    .option('--json', 'print JSON')
    .action(async (flags: TokenListFlags) => {
      const { listTokens } = await import('./token-action.js');
      await listTokens(flags);
    });
  withManager(token.command('revoke'))
    .description('refuse a token from now on')
    .argument('<id>', 'token id (token ls)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: TokenListFlags) => {
      const { revokeToken } = await import('./token-action.js');
      await revokeToken(id, flags);
    });
  withManager(token.command('rotate'))
    .description('a new worker join token; the old one joins no one from now on, joined nodes keep working')
    .argument('<kind>', 'which token: join')
    .option('--json', 'print JSON')
    .action(async (kind: string, flags: RotateFlags) => {
      const { rotateToken } = await import('./rotate-action.js');
      await rotateToken(kind, flags);
    });
}

function registerDeploy(program: Command): void {
  withManager(program.command('deploy'))
    .description('deploy a Compose file as a stack of services: create what is new, update only what changed')
    .requiredOption('-f, --file <file>', 'the Compose file (YAML or JSON)')
    .option('--name <stack>', "the stack's name (default the file's name: key, else its directory's name)")
    .option('--prune', "remove the stack's services the file no longer has")
    .option('--dry-run', 'print what would be created, updated and removed, and the warnings; change nothing')
    .option('--json', 'print JSON')
    .action(async (flags: DeployFlags) => {
      const { deploy } = await import('./deploy-action.js');
      await deploy(flags);
    });
}

function registerVolume(program: Command): void {
  const volume = program.command('volume').description('named volumes: where each lives and which tasks use it');
  withManager(volume.command('ls'))
    .description('list named volumes: name, node, created, the unfinished tasks that mount it')
    .option('--json', 'print JSON')
    .action(async (flags: VolumeFlags) => {
      const { listVolumes } = await import('./volume-action.js');
      await listVolumes(flags);
    });
  withManager(volume.command('rm'))
    .description('remove a named volume from its node, with its data (refused while a task uses it; deploy)')
    .argument('<name>', 'volume name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: VolumeFlags) => {
      const { removeVolume } = await import('./volume-action.js');
      await removeVolume(name, flags);
    });
}
