import { Command, Option } from 'commander';
import {
  DEFAULT_CERT_TTL,
  DEFAULT_DEV_WORKER,
  DEFAULT_DNS_PORT,
  DEFAULT_DNS_TTL,
  DEFAULT_PROXY_TIMEOUT_S,
  DEFAULT_PROXY_UDP_TIMEOUT_S,
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_ENGINE_GRACE_MS,
  DEFAULT_RESTART_GRACE_MS,
  DEFAULT_HEARTBEAT_GRACE_MS,
  DEFAULT_MANAGER_PORT,
  DEFAULT_NETWORK,
  DEFAULT_SUBNET_POOL,
  DEFAULT_TASK_NETWORK,
  DEFAULT_VIP_RANGE,
  DEFAULT_START_CONCURRENCY,
  DEFAULT_STOP_GRACE_SECONDS,
  DEFAULT_STRATEGY,
  DEFAULT_TASK_HISTORY,
  DEFAULT_PLAIN_TASK_HISTORY,
  DEFAULT_WORKER_PORT,
  LOG_LEVELS,
  MANAGER_JOIN_TOKEN_ENV,
  STRATEGY_NAMES,
  TASK_NETWORK_HELP,
} from './defaults.js';
import type { ConfigName, RuntimeAction } from './config-file.js';
import type { DevFlags } from './dev-action.js';
import { collect, commaList } from './repeatable.js';

// `poseidon manager`, `worker` and `dev`: names, flags and help (see commands.ts). Each also reads
// a YAML file of its flags (--config; config-file.ts derives the keys from these definitions, so
// the two cannot drift) and prints the merged result (--print-config).

/**
 * A flag that says the opposite of each true/false key (`--no-proxy` beside `--proxy`, `--register`
 * beside `--no-register`), so that a flag wins over the file for these keys too: without it,
 * `proxy: true` in the file could not be turned off on the command line.
 */
function withOpposites(cmd: Command): Command {
  for (const option of [...cmd.options]) {
    if (option.long === undefined || !(option.negate || option.isBoolean())) continue;
    const key = option.long.replace(/^--(no-)?/, '');
    if (key === 'clean') continue; // dev --clean is an action, not a key
    const long = option.negate ? `--${key}` : `--no-${key}`;
    if (cmd.options.some((o) => o.long === long)) continue;
    cmd.addOption(new Option(long, `${key}: ${String(option.negate)}, over the config file`));
  }
  return cmd;
}

/** Adds --config and --print-config, and the action: merge the file under the flags, then print or run. */
function configured<F>(cmd: Command, name: ConfigName, load: () => Promise<RuntimeAction<F>>): void {
  withOpposites(cmd)
    .option('--config <file>', `YAML file of these flags' values (default /etc/poseidon/${name}.yaml when it exists)`)
    .option('--print-config', 'print the merged configuration (flags, environment, file, defaults) as YAML and exit')
    .action(async (_flags: unknown, command: Command) => {
      const { runConfigured } = await import('./config-file.js');
      await runConfigured(command, name, await load());
    });
}

/**
 * --log-level, which falls back to POSEIDON_LOG_LEVEL: one of pino's levels, checked by commander
 * for the flag and the variable (a bad one is a line naming it, with the levels), and by the
 * config file (config-file.ts) for its key.
 */
function logLevel(): Option {
  return new Option('--log-level <level>', 'how much to log').choices(LOG_LEVELS).env('POSEIDON_LOG_LEVEL');
}

const SUBNET_HELP =
  "the network's subnet; containers take its lower half (default: its own, or a free block of --subnet-pool)";
const SUBNET_POOL_HELP = 'without --subnet, a new network takes the first block here nothing on the host uses';

/** --subnet-pool CIDR,CIDR (in a config file, a list too), on `worker` and `dev`. */
function subnetPoolOption(): Option {
  return commaList(new Option('--subnet-pool <cidrs>', SUBNET_POOL_HELP).default(DEFAULT_SUBNET_POOL));
}

const TASK_HISTORY_HELP = 'ended tasks kept per service replica slot, the last to end; older ones are forgotten';
const PLAIN_TASK_HISTORY_HELP =
  'ended plain tasks kept, the last to end; older ones are forgotten with their containers';

/** --task-history and --plain-task-history, on `manager` and `dev`. */
function withHistoryOptions(cmd: Command): Command {
  return cmd
    .option('--task-history <n>', TASK_HISTORY_HELP, String(DEFAULT_TASK_HISTORY))
    .option('--plain-task-history <n>', PLAIN_TASK_HISTORY_HELP, String(DEFAULT_PLAIN_TASK_HISTORY));
}

export function registerManager(program: Command): void {
  const manager = program
    .command('manager')
    .description('run the manager: accepts tasks, places them on workers, keeps them running')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_MANAGER_PORT))
    .option('--data-dir <dir>', 'where the embedded store lives (default ~/.poseidon/manager)')
    .option('--store <url>', 'lmdb (the embedded store, default) or etcd://host:port,host:port[/prefix]')
    .option('--store-ca <file>', 'CA certificate of etcd (PEM): talk to it over TLS')
    .option('--store-cert <file>', 'client certificate for etcd (PEM), with --store-key')
    .option('--store-key <file>', 'private key of --store-cert (PEM)')
    .addOption(
      new Option(
        '--join-token <token>',
        "with --store etcd, join the manager group with this token (a group manager's <data-dir>/manager-join-token)",
      ).env(MANAGER_JOIN_TOKEN_ENV),
    )
    .option('--scheduler <name>', `placement strategy: ${STRATEGY_NAMES.join(' or ')}`, DEFAULT_STRATEGY)
    .addOption(
      commaList(
        new Option(
          '--workers <list>',
          `static workers to poll, host:port,host:port (port ${DEFAULT_WORKER_PORT} if none; ` +
            'workers may also join with --manager)',
        ),
      ),
    )
    .option(
      '--heartbeat-grace <duration>',
      'missed heartbeats for this long mark a node Down',
      `${DEFAULT_HEARTBEAT_GRACE_MS}ms`,
    )
    .option(
      '--restart-grace <duration>',
      'a worker that said it is restarting (stopped with SIGTERM) is held this long before Down; ' +
        'its tasks stay meanwhile (0: no hold)',
      `${DEFAULT_RESTART_GRACE_MS / 1000}s`,
    )
    .option('--metrics-open', 'serve GET /metrics without a token (for a Prometheus that has none)')
    .option(
      '--advertise <address>',
      'where workers and the CLI reach the manager (its certificate names it): ' +
        'HOST[:PORT] (https, --port if none) or a URL',
    )
    .option('--cert-ttl <duration>', 'how long node certificates last; they renew at 50-80% of it', DEFAULT_CERT_TTL)
    .option(
      '--engine-grace <duration>',
      "a node's container engine away this long: its tasks are placed elsewhere",
      `${DEFAULT_ENGINE_GRACE_MS / 1000}s`,
    )
    .option('--vip-range <cidr>', "where services' virtual IPs come from", DEFAULT_VIP_RANGE)
    .addOption(logLevel());
  configured(withHistoryOptions(manager), 'manager', async () => {
    const { managerOptions, runManager } = await import('./manager-action.js');
    return { check: managerOptions, run: runManager };
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
    )
    .option(
      '--proxy-timeout <seconds>',
      'http ports: a replica silent this long on a request gets it answered 504 (a body-less GET tries another first)',
      String(DEFAULT_PROXY_TIMEOUT_S),
    )
    .option(
      '--proxy-udp-timeout <seconds>',
      "udp ports: a flow (a client's address and port) with no datagram either way this long ends",
      String(DEFAULT_PROXY_UDP_TIMEOUT_S),
    );
}

export function registerWorker(program: Command): void {
  const worker = program
    .command('worker')
    .description('run a worker: starts tasks as Docker containers and serves the Worker API')
    .option('--host <address>', 'address to listen on (published ports bind here too)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_WORKER_PORT))
    .option('--name <name>', 'worker name, put on its containers as poseidon.worker', 'worker-1')
    .option('--data-dir <dir>', 'where task records are kept (default ~/.poseidon/<name>)')
    .addOption(
      commaList(
        new Option(
          '--manager <address>',
          `join this manager: HOST[:PORT] (https, port ${DEFAULT_MANAGER_PORT} if none) or a URL; ` +
            "a group's comma-separated",
        ),
      ),
    )
    .addOption(
      new Option(
        '--join-token <token>',
        "join with this token (the manager's <data-dir>/join-token); not needed once joined",
      ).env('POSEIDON_JOIN_TOKEN'),
    )
    .option('--no-register', 'join (certificate) but do not register: the manager polls it (manager --workers)')
    .option(
      '--advertise <address>',
      'where the manager reaches this worker: HOST[:PORT] (https, --port if none) or a URL ' +
        '(default the listen address)',
    )
    .option('--cpu <cores>', 'cpu cores offered to the scheduler (default all)')
    .option('--memory <quantity>', 'memory offered to the scheduler, e.g. 2Gi (default all)')
    .option('--label <key=value>', 'a node label constraints match, e.g. zone=a (repeatable)', collect)
    .option('--fence <duration>', 'with no manager reached for this long, stop exclusive tasks here', '10s')
    .option(
      '--allow-host-path <dir>',
      'let tasks mount host directories under this one (repeatable; default none)',
      collect,
    )
    .option(
      '--allow-cap <cap>',
      "let tasks add this capability beyond Docker's default set, e.g. NET_ADMIN (repeatable; ALL: any; default none)",
      collect,
    )
    .option('--docker-socket <path>', 'Docker engine socket', DEFAULT_DOCKER_SOCKET)
    .option(
      '--network <name>',
      "Poseidon's bridge network: its gateway serves tasks DNS (and names the Linux bridge)",
      DEFAULT_NETWORK,
    )
    .option('--subnet <cidr>', SUBNET_HELP)
    .addOption(subnetPoolOption())
    .option('--task-network <where>', TASK_NETWORK_HELP, DEFAULT_TASK_NETWORK)
    .option('--proxy', "be this host's discovery host: follow the endpoint stream, serve DNS and the proxy")
    .addOption(
      new Option(
        '--host-id <id>',
        "this worker's machine: a proxy reaches containers of workers with its id directly (default: machine-id hash)",
      ).env('POSEIDON_HOST_ID'),
    )
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
    .option(
      '--registry-auth <file>',
      "registry credentials for pulls, a docker config.json (default: the docker CLI's, as docker login writes it)",
    )
    .addOption(logLevel());
  configured(withDnsOptions(worker), 'worker', async () => {
    const { workerOptions, runWorker } = await import('./worker-action.js');
    return { check: workerOptions, run: runWorker };
  });
}

export function registerDev(program: Command): void {
  const dev = program
    .command('dev')
    .description('a whole cluster in one process: manager and worker with the embedded store')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'manager port', String(DEFAULT_MANAGER_PORT))
    .option('--worker-port <port>', 'worker port', String(DEFAULT_WORKER_PORT))
    .option('--data-dir <dir>', 'where state is kept (default ~/.poseidon/dev)')
    .option('--worker-name <name>', "the dev worker's name, on its containers as poseidon.worker", DEFAULT_DEV_WORKER)
    .option('--scheduler <name>', STRATEGY_NAMES.join(' or '), DEFAULT_STRATEGY)
    .option(
      '--engine-grace <duration>',
      'Docker away this long: its tasks are given up (they come back with it either way)',
      `${DEFAULT_ENGINE_GRACE_MS / 1000}s`,
    )
    .option('--docker-socket <path>', "the Docker engine's socket", DEFAULT_DOCKER_SOCKET)
    .option('--network <name>', "Poseidon's bridge network: its gateway serves tasks DNS", DEFAULT_NETWORK)
    .option('--subnet <cidr>', SUBNET_HELP)
    .addOption(subnetPoolOption())
    .option('--task-network <where>', TASK_NETWORK_HELP, DEFAULT_TASK_NETWORK)
    .option('--vip-range <cidr>', "services' virtual IPs, in the subnet's upper half (default: that upper half)")
    .option('--label <key=value>', 'a label of the dev worker, e.g. zone=a (repeatable)', collect)
    .option('--allow-host-path <dir>', 'let tasks mount host directories under this one (repeatable)', collect)
    .option('--allow-cap <cap>', "let tasks add this capability beyond Docker's default set (repeatable)", collect)
    .option('--demo', 'submit a demo web task and print where it answers')
    .option('--demo-image <image>', 'image for the demo task', 'poseidon/busybox:latest')
    .addOption(logLevel().default('warn'))
    .option('--clean', 'remove what the dev cluster started (its containers, volumes, network, data dir) and exit');
  configured(withHistoryOptions(withDnsOptions(dev)), 'dev', async () => {
    const { devOptions, runDev } = await import('./dev-action.js');
    return { check: devOptions, run: (flags: DevFlags) => runDev(flags) };
  });
}
