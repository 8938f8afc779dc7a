import { describeConstraint, type ConstraintRule } from './constraint.js';
import type { Balance, HealthCheckType, PortSpec, Protocol, ProxyProtocol, RestartMode, TaskSpec } from './spec.js';
import { toFileRefSpecs, type TaskFile } from './file-ref.js';
import { toTmpfsSpec, toVolumeSpec, type TmpfsMount, type VolumeMount } from './volume.js';
import type { PullPolicy } from './process-rules.js';
import type { UlimitName } from './container-rules.js';

// A task as the rest of Poseidon sees it: validated, with defaults filled in and units in
// the names. Built from a TaskSpec by parseSpec(); stored in task records.

export interface PortRequest {
  containerPort: number;
  /** 0: Docker picks a free host port. */
  hostPort: number;
  /** On the wire (an `http` port is `tcp`). */
  protocol: Protocol;
  /** The one host address it is bound on (`127.0.0.1`, `::1`); absent: where its worker publishes (--host). */
  hostIp?: string;
  /** Discovery (services): the port's SRV name, per-request balancing, the proxy's choices. Absent: unset. */
  name?: string;
  http?: boolean;
  balance?: Balance;
  proxyProtocol?: ProxyProtocol;
  /** False: bound to no host port (its `hostPort` is 0); absent: published. */
  publish?: false;
}

export interface RestartPolicy {
  mode: RestartMode;
  /** Restarts in a row (since the backoff last reset) before the task is left Failed; null: no limit. */
  maxRestarts: number | null;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** The backoff resets after the task has run this long. */
  resetAfterMs: number;
}

export interface HealthCheck {
  type: HealthCheckType;
  /** Container port (http, tcp); 0 for exec. */
  port: number;
  path: string;
  expectedStatusMin: number;
  expectedStatusMax: number;
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  startPeriodMs: number;
}

export interface TaskRequest {
  id: string;
  name: string;
  image: string;
  /** Pull before each start (`always`), or never (`never`); absent: only when the engine lacks it. */
  pull?: Exclude<PullPolicy, 'missing'>;
  /** Empty: the image's own command. */
  command: string[];
  /** Replaces the image's ENTRYPOINT ([]: none, the command runs alone); absent: the image's. */
  entrypoint?: string[];
  /** USER or USER:GROUP the process runs as; absent: the image's. */
  user?: string;
  /** The process's working directory; absent: the image's. */
  workdir?: string;
  /** What a stop sends first, as Docker takes it ("SIGINT", or a number); absent: the image's, else SIGTERM. */
  stopSignal?: string;
  /** How long a stop waits after the signal before SIGKILL; absent: the worker's --stop-grace. */
  stopGraceMs?: number;
  /** The root filesystem is read-only. */
  readOnlyRootfs?: boolean;
  env: Record<string, string>;
  /** 0: no limit. */
  cpuCores: number;
  /** 0: no limit. */
  memoryBytes: number;
  diskBytes: number;
  ports: PortRequest[];
  labels: Record<string, string>;
  restartPolicy: RestartPolicy;
  healthCheck: HealthCheck | null;
  /**
   * false: the image's own HEALTHCHECK is turned off (its verdicts count when there is no
   * healthCheck); absent: it counts. Set only when false.
   */
  imageHealthCheck?: false;
  /** The most cpu the container may use (a hard quota); absent: no cap beyond its weight (`cpuCores`). */
  cpuLimitCores?: number;
  /** The most processes the container may hold; absent: DEFAULT_PIDS_LIMIT. */
  pidsLimit?: number;
  /** At most one copy at any time: not moved off a silent node until its copy is known gone. */
  exclusive?: boolean;
  /** Rules the task's node must meet, all of them; absent: any node (and every record stored before them). */
  constraints?: ConstraintRule[];
  /**
   * The one node it may run on, by id: a global service's replica, pinned to its node by the
   * manager (not a rule a user gave, so never shown as one); absent: no pin. Not sent to workers.
   */
  pinnedNodeId?: string;
  /** Named volumes and host paths it mounts; absent: none. */
  volumes?: VolumeMount[];
  /** tmpfs mounts (memory); absent: none. */
  tmpfs?: TmpfsMount[];
  /** The container's host name; absent: Docker's. */
  hostname?: string;
  /** Lines added to its /etc/hosts, `NAME:ADDRESS`; absent: none. */
  extraHosts?: string[];
  /** /dev/shm's size; absent: Docker's 64 MiB. */
  shmSizeBytes?: number;
  /** Process limits, by name (-1: unlimited); absent: the engine's. */
  ulimits?: Ulimit[];
  /** Capabilities added (`NET_ADMIN`, or `ALL`), and taken away; absent: Docker's default set. */
  capAdd?: string[];
  capDrop?: string[];
  /** Kernel parameters of its own namespaces, by name (sorted); absent: the engine's. */
  sysctls?: Record<string, string>;
  /** Supplementary groups its process runs with; absent: none beyond the image's. */
  groupAdd?: string[];
  /** Its log is cut at this size and this many files kept; absent: 10 MiB and 3 (runtime-rules.ts). */
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** Secrets and configs it mounts as files; absent: none. */
  files?: TaskFile[];
}

/** How many restarts in a row `on-failure` allows unless the task says otherwise. */
export const ON_FAILURE_MAX_RESTARTS = 3;

/** A process limit (`nofile`), as setrlimit takes it; -1 is unlimited. */
export interface Ulimit {
  name: UlimitName;
  soft: number;
  hard: number;
}

/** The seed's default: restart up to 3 times. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'on-failure',
  maxRestarts: ON_FAILURE_MAX_RESTARTS,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  resetAfterMs: 60_000,
};

/** Docker refuses a smaller memory limit: "Minimum memory limit allowed is 6MB" (6 MiB, Engine 20.10 and later). */
export const MIN_MEMORY_BYTES = 6 * 2 ** 20;

/** The native spec for a request (units as bytes and milliseconds): what the manager dispatches. */
export function toSpec(r: TaskRequest): TaskSpec {
  const spec: TaskSpec = { id: r.id, name: r.name, image: r.image };
  if (r.pull !== undefined) spec.pull = r.pull;
  if (r.command.length > 0) spec.command = r.command;
  if (r.entrypoint !== undefined) spec.entrypoint = r.entrypoint;
  if (r.user !== undefined) spec.user = r.user;
  if (r.workdir !== undefined) spec.workdir = r.workdir;
  if (r.stopSignal !== undefined) spec.stopSignal = r.stopSignal;
  if (r.stopGraceMs !== undefined) spec.stopGracePeriod = r.stopGraceMs;
  if (r.readOnlyRootfs === true) spec.readOnlyRootfs = true;
  if (Object.keys(r.env).length > 0) spec.env = r.env;
  if (r.cpuCores > 0) spec.cpu = r.cpuCores;
  if (r.cpuLimitCores !== undefined && r.cpuLimitCores > 0) spec.cpuLimit = r.cpuLimitCores;
  if (r.pidsLimit !== undefined) spec.pidsLimit = r.pidsLimit;
  if (r.exclusive === true) spec.exclusive = true;
  if (r.imageHealthCheck === false) spec.imageHealthCheck = false;
  if (r.memoryBytes > 0) spec.memory = r.memoryBytes;
  if (r.diskBytes > 0) spec.disk = r.diskBytes;
  if (r.ports.length > 0) spec.ports = r.ports.map(toPortSpec);
  if (Object.keys(r.labels).length > 0) spec.labels = r.labels;
  if (r.constraints !== undefined && r.constraints.length > 0) spec.constraints = r.constraints.map(describeConstraint);
  if (r.volumes !== undefined && r.volumes.length > 0) spec.volumes = r.volumes.map(toVolumeSpec);
  if (r.tmpfs !== undefined && r.tmpfs.length > 0) spec.tmpfs = r.tmpfs.map(toTmpfsSpec);
  if (r.hostname !== undefined) spec.hostname = r.hostname;
  if (r.extraHosts !== undefined) spec.extraHosts = r.extraHosts;
  if (r.shmSizeBytes !== undefined) spec.shmSize = r.shmSizeBytes;
  if (r.ulimits !== undefined)
    spec.ulimits = Object.fromEntries(
      r.ulimits.map((u) => [u.name, u.soft === u.hard ? u.soft : { soft: u.soft, hard: u.hard }]),
    );
  if (r.capAdd !== undefined) spec.capAdd = r.capAdd;
  if (r.capDrop !== undefined) spec.capDrop = r.capDrop;
  if (r.sysctls !== undefined) spec.sysctls = r.sysctls;
  if (r.groupAdd !== undefined) spec.groupAdd = r.groupAdd;
  if (r.logMaxBytes !== undefined || r.logMaxFiles !== undefined)
    spec.logs = {
      ...(r.logMaxBytes === undefined ? {} : { maxSize: r.logMaxBytes }),
      ...(r.logMaxFiles === undefined ? {} : { maxFiles: r.logMaxFiles }),
    };
  if (r.files !== undefined) {
    const secrets = toFileRefSpecs(r.files, 'secret');
    const configs = toFileRefSpecs(r.files, 'config');
    if (secrets.length > 0) spec.secrets = secrets;
    if (configs.length > 0) spec.configs = configs;
  }
  const p = r.restartPolicy;
  spec.restartPolicy = {
    mode: p.mode,
    maxRestarts: p.maxRestarts,
    backoff: { initial: p.backoffInitialMs, max: p.backoffMaxMs },
    resetAfter: p.resetAfterMs,
  };
  const h = r.healthCheck;
  if (h !== null) {
    spec.healthCheck = {
      type: h.type,
      ...(h.type === 'exec' ? { command: h.command } : { port: h.port }),
      ...(h.type === 'http'
        ? { path: h.path, expectedStatus: { min: h.expectedStatusMin, max: h.expectedStatusMax } }
        : {}),
      interval: h.intervalMs,
      timeout: h.timeoutMs,
      failureThreshold: h.failureThreshold,
      startPeriod: h.startPeriodMs,
    };
  }
  return spec;
}

function toPortSpec(p: PortRequest): PortSpec {
  const spec: PortSpec = {
    container: p.containerPort,
    host: p.hostPort,
    protocol: p.http === true ? 'http' : p.protocol,
  };
  if (p.hostIp !== undefined) spec.hostIp = p.hostIp;
  if (p.name !== undefined) spec.name = p.name;
  if (p.balance !== undefined) spec.balance = p.balance;
  if (p.proxyProtocol !== undefined) spec.proxyProtocol = p.proxyProtocol;
  if (p.publish === false) spec.publish = false;
  return spec;
}
