// The flag defaults the CLI shows in its help. They live here, beside the flags, rather than in
// the components that use them: every `poseidon` run registers every command, `--version`
// included, and importing a component's index for one number would load the component
// (fastify, the store, dockerode). test/unit/cli/defaults.test.ts pins each one a component
// also knows to the component's own value.
import { availableParallelism } from 'node:os';

export const DEFAULT_MANAGER_PORT = 5555;
/** What --log-level, POSEIDON_LOG_LEVEL and a config file's `log-level` take: pino's levels, most told first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const DEFAULT_WORKER_PORT = 5556;
/** Where client commands look for the manager without --manager or POSEIDON_MANAGER. */
export const DEFAULT_MANAGER_URL = `https://127.0.0.1:${DEFAULT_MANAGER_PORT}`;
/** Missed heartbeats for this long mark a node Down: failover in seconds, not minutes. */
export const DEFAULT_HEARTBEAT_GRACE_MS = 3_000;
/** A node's container engine away this long: its tasks go elsewhere (the manager's DEFAULT_ENGINE_GRACE_MS). */
export const DEFAULT_ENGINE_GRACE_MS = 30_000;
/** A worker that said it is restarting is held this long before Down (the manager's DEFAULT_RESTART_GRACE_MS). */
export const DEFAULT_RESTART_GRACE_MS = 30_000;
/** Ended tasks kept per service replica slot (the manager's DEFAULT_TASK_HISTORY); older ones are forgotten. */
export const DEFAULT_TASK_HISTORY = 5;
/** Ended plain tasks kept in all (the manager's DEFAULT_PLAIN_TASK_HISTORY); older ones go with their containers. */
export const DEFAULT_PLAIN_TASK_HISTORY = 1_000;
/** `poseidon worker --docker-socket`; `poseidon dev` runs its worker with it too. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
/** SIGTERM grace before SIGKILL when a task is stopped, in seconds. */
export const DEFAULT_STOP_GRACE_SECONDS = 10;
/** Containers a worker starts at once at most: twice the cores, at least 4 (the worker's DEFAULT_START_CONCURRENCY). */
export const DEFAULT_START_CONCURRENCY = Math.max(4, 2 * availableParallelism());
/** The placement strategies, as the scheduler names them (its STRATEGY_NAMES), and the default. */
export const STRATEGY_NAMES = ['roundrobin', 'epvm'] as const;
export const DEFAULT_STRATEGY = 'epvm';
/** How long node certificates last (`poseidon manager --cert-ttl`; the CA's DEFAULT_CERT_TTL_MS). */
export const DEFAULT_CERT_TTL = '7d';
/** Discovery's network and virtual IPs (src/discovery/defaults.ts has the same values). */
export const DEFAULT_NETWORK = 'poseidon0';
/** Where a network given no --subnet takes a free block: 10.213-10.223.0.0/16 (discovery's DEFAULT_SUBNET_POOL). */
export const DEFAULT_SUBNET_POOL = '10.213.0.0/16,10.214.0.0/15,10.216.0.0/13';
export const DEFAULT_VIP_RANGE = '10.213.128.0/17';
/** Where task containers go: Docker's default bridge (the faster start) or `poseidon` (the network itself). */
export const DEFAULT_TASK_NETWORK = 'bridge';
export const TASK_NETWORK_HELP =
  "where task containers go: 'bridge' (Docker's default bridge; the faster start) or 'poseidon' " +
  '(the Poseidon network itself: addresses from its subnet, apart from other containers)';
/** The host's DNS server (as in src/discovery/defaults.ts): its port on 127.0.0.1, its answers' TTL in seconds. */
export const DEFAULT_DNS_PORT = 8600;
export const DEFAULT_DNS_TTL = 5;
/** `--proxy-timeout`, seconds: as nginx's proxy_read_timeout. */
export const DEFAULT_PROXY_TIMEOUT_S = 60;
/** `--proxy-udp-timeout`, seconds: a udp flow idle this long ends (src/proxy/udp-listener.ts's default too). */
export const DEFAULT_PROXY_UDP_TIMEOUT_S = 30;
/** `poseidon dev`'s worker: its name, on the containers it starts (`poseidon.worker`). */
export const DEFAULT_DEV_WORKER = 'dev-worker';
/** Where `poseidon manager|worker|dev` look for their config file (`<dir>/<command>.yaml`) without --config. */
export const DEFAULT_CONFIG_DIR = '/etc/poseidon';
/**
 * `poseidon manager --join-token`'s variable: not POSEIDON_JOIN_TOKEN, the worker's, since the two
 * tokens open different doors (a group's CA key, a worker's certificate) and one shell may hold both.
 */
export const MANAGER_JOIN_TOKEN_ENV = 'POSEIDON_MANAGER_JOIN_TOKEN';
