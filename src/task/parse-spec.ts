import { randomUUID } from 'node:crypto';
import { fieldPath, InvalidField, type FieldNamer } from '../errors/index.js';
import { isValidImageRef } from './image-ref.js';
import { formatBytes, parseDuration, parseQuantity } from '../units/index.js';
import {
  DEFAULT_RESTART_POLICY,
  MIN_MEMORY_BYTES,
  ON_FAILURE_MAX_RESTARTS,
  type HealthCheck,
  type PortRequest,
  type RestartPolicy,
  type TaskRequest,
} from './request.js';
import {
  MAX_COMMAND_BYTES,
  MAX_ENV_BYTES,
  MAX_ENV_VARS,
  MAX_LABELS,
  MAX_LABELS_BYTES,
  MAX_LABEL_KEY_CHARS,
  MIN_CPU_CORES,
} from './limits.js';
import { isDnsLabel, isLegacyName, NAME_RULE } from './name.js';
import { parseConstraint } from './constraint.js';
import { TaskSpec } from './spec.js';
import { normalStopSignal, STOP_SIGNAL_RULE } from './process-rules.js';
import { compile } from './validate.js';
import { isHostPathAllowed, parseTmpfs, parseVolumes } from './volume.js';
import { parseFileRefs } from './file-ref.js';
import { parseRuntimeOptions } from './runtime-options.js';
import { parseContainerOptions } from './container-options.js';
import { hostIpProblem, isWildcardIp, normalHostIp } from './host-ip.js';
import { heldBeside, hostPortKey } from './host-port-key.js';

/** What the host (or cluster) can offer at most; a request above it is absurd, not pending. */
export interface SpecLimits {
  maxCpuCores?: number;
  maxMemoryBytes?: number;
  /**
   * Accept a name that was valid before names became DNS labels (see LEGACY_NAME_PATTERN): a
   * worker takes what its manager dispatches, and the manager may hold tasks stored back then.
   */
  acceptLegacyNames?: boolean;
  /**
   * The host directories a task may mount (a worker's --allow-host-path prefixes); undefined: no
   * check here (the manager, which places a host-path task only on a node that allows it).
   */
  allowedHostPaths?: readonly string[];
  /**
   * The capabilities beyond Docker's default set a task may add (a worker's --allow-cap);
   * undefined: no check here (the manager, which places such a task only on a node that allows it).
   */
  allowedCaps?: readonly string[];
}

const specValidator = compile(TaskSpec);

/** Validates `value` as a native task spec; throws InvalidField naming the first bad field. */
export function validateSpec(value: unknown, root = ''): TaskSpec {
  return specValidator.parse(value, root);
}

/** Resolves units and defaults, and checks what a schema cannot (cross-field rules, limits). */
export function parseSpec(spec: TaskSpec, limits: SpecLimits = {}, root = ''): TaskRequest {
  const f: FieldNamer = (...keys) => fieldPath(root, ...keys);
  // the seed format reaches here without the schema's checks: every rule on what a user typed is here too
  if (!isDnsLabel(spec.name) && !(limits.acceptLegacyNames === true && isLegacyName(spec.name)))
    throw new InvalidField(f('name'), `${NAME_RULE} (got ${JSON.stringify(spec.name).slice(0, 80)})`);
  if (!isValidImageRef(spec.image)) {
    throw new InvalidField(
      f('image'),
      `"${spec.image}" is not an image reference Docker accepts (e.g. "busybox:1.36" or "registry:5000/team/app:v2")`,
    );
  }
  const cpuCores = checkCores(f, 'cpu', spec.cpu ?? 0, limits);
  const cpuLimitCores = checkCores(f, 'cpuLimit', spec.cpuLimit ?? 0, limits);
  if (cpuLimitCores > 0 && cpuLimitCores < cpuCores)
    throw new InvalidField(f('cpuLimit'), `(${cpuLimitCores} cores) is below cpu (${cpuCores} cores)`);
  const memoryBytes = spec.memory === undefined ? 0 : parseQuantity(f('memory'), spec.memory);
  if (memoryBytes !== 0 && memoryBytes < MIN_MEMORY_BYTES) {
    throw new InvalidField(
      f('memory'),
      `is ${formatBytes(memoryBytes)}; a container needs at least ${formatBytes(MIN_MEMORY_BYTES)}`,
    );
  }
  if (limits.maxMemoryBytes !== undefined && memoryBytes > limits.maxMemoryBytes) {
    throw new InvalidField(
      f('memory'),
      `is ${formatBytes(memoryBytes)}; this host has ${formatBytes(limits.maxMemoryBytes)}`,
    );
  }
  const diskBytes = spec.disk === undefined ? 0 : parseQuantity(f('disk'), spec.disk);
  const ports = parsePorts(spec, f);
  // fields are named only for an error: every submission and every dispatch parses a spec
  checkSize(f, 'command', spec.command, 'arguments', MAX_COMMAND_BYTES);
  checkSize(f, 'entrypoint', spec.entrypoint, 'arguments', MAX_COMMAND_BYTES);
  checkSize(f, 'healthCheck.command', spec.healthCheck?.command, 'arguments', MAX_COMMAND_BYTES);
  checkRecord(f, 'env', spec.env, 'variables', MAX_ENV_VARS, MAX_ENV_BYTES);
  checkRecord(f, 'labels', spec.labels, 'labels', MAX_LABELS, MAX_LABELS_BYTES, MAX_LABEL_KEY_CHARS);
  const request: TaskRequest = {
    id: spec.id ?? randomUUID(),
    name: spec.name,
    image: spec.image,
    command: spec.command ?? [],
    env: spec.env ?? {},
    cpuCores,
    memoryBytes,
    diskBytes,
    ports,
    labels: spec.labels ?? {},
    restartPolicy: parseRestartPolicy(spec, f),
    healthCheck: parseHealthCheck(spec, ports, f),
  };
  // set only when asked for, so a task without them (and every record stored before them) is alike
  if (cpuLimitCores > 0) request.cpuLimitCores = cpuLimitCores;
  if (spec.pidsLimit !== undefined) request.pidsLimit = spec.pidsLimit;
  parseProcessOptions(spec, request, f);
  if (spec.exclusive === true) request.exclusive = true;
  if (spec.imageHealthCheck === false) request.imageHealthCheck = false;
  const constraints = (spec.constraints ?? []).map((c, i) => parseConstraint(f('constraints', i), c));
  if (constraints.length > 0) request.constraints = constraints;
  const volumes = parseVolumes(spec.volumes ?? [], f);
  if (volumes.length > 0) request.volumes = volumes;
  const tmpfs = parseTmpfs(spec.tmpfs ?? [], volumes, f, parseQuantity);
  if (tmpfs.length > 0) request.tmpfs = tmpfs;
  if (spec.secrets !== undefined || spec.configs !== undefined) {
    const files = parseFileRefs(spec.secrets ?? [], spec.configs ?? [], f);
    if (files.length > 0) request.files = files;
  }
  parseContainerOptions(spec, request, f, limits.allowedCaps);
  parseRuntimeOptions(spec, request, f);
  if (limits.allowedHostPaths !== undefined) {
    volumes.forEach((v, i) => {
      if (v.kind === 'host' && !isHostPathAllowed(v.hostPath, limits.allowedHostPaths ?? []))
        throw new InvalidField(f('volumes', i, 'hostPath'), hostPathRefusal(v.hostPath, limits.allowedHostPaths ?? []));
    });
  }
  return request;
}

/** How the container's process runs and stops: entrypoint, user, workdir, stop signal and grace, a read-only root. */
function parseProcessOptions(spec: TaskSpec, request: TaskRequest, f: FieldNamer): void {
  if (spec.entrypoint !== undefined) request.entrypoint = spec.entrypoint;
  if (spec.user !== undefined) request.user = spec.user; // its pattern is the schema's
  if (spec.workdir !== undefined) {
    if (!spec.workdir.startsWith('/') || spec.workdir.includes('\0'))
      throw new InvalidField(
        f('workdir'),
        `must be an absolute path in the container, such as /app (got ${JSON.stringify(spec.workdir).slice(0, 80)})`,
      );
    request.workdir = spec.workdir;
  }
  if (spec.stopSignal !== undefined) {
    const signal = normalStopSignal(spec.stopSignal);
    if (signal === undefined)
      throw new InvalidField(
        f('stopSignal'),
        `${STOP_SIGNAL_RULE} (got ${JSON.stringify(spec.stopSignal).slice(0, 40)})`,
      );
    request.stopSignal = signal;
  }
  if (spec.stopGracePeriod !== undefined)
    request.stopGraceMs = parseDuration(f('stopGracePeriod'), spec.stopGracePeriod);
  if (spec.readOnlyRootfs === true) request.readOnlyRootfs = true;
  if (spec.pull !== undefined && spec.pull !== 'missing') request.pull = spec.pull;
}

function hostPathRefusal(path: string, allowed: readonly string[]): string {
  const which = allowed.length === 0 ? 'it allows none' : `it allows ${allowed.join(', ')}`;
  return `${path} is not under a directory this worker allows (poseidon worker --allow-host-path); ${which}`;
}

/** 0 (not asked) or at least MIN_CPU_CORES, and no more than the host has. */
function checkCores(f: FieldNamer, key: string, cores: number, limits: SpecLimits): number {
  if (cores === 0) return 0;
  if (!(cores >= MIN_CPU_CORES))
    throw new InvalidField(f(key), `is ${cores} cores; the least is ${MIN_CPU_CORES} (the kernel's 1 ms cpu quota)`);
  if (limits.maxCpuCores !== undefined && cores > limits.maxCpuCores)
    throw new InvalidField(f(key), `is ${cores} cores; this host has ${limits.maxCpuCores}`);
  return cores;
}

function checkSize(
  f: FieldNamer,
  key: string,
  list: readonly string[] | undefined,
  what: string,
  maxBytes: number,
): void {
  if (list === undefined) return;
  let bytes = 0;
  for (const s of list) bytes += Buffer.byteLength(s);
  if (bytes > maxBytes)
    throw new InvalidField(f(key), `holds ${formatBytes(bytes)} of ${what}; at most ${formatBytes(maxBytes)}`);
}

function checkRecord(
  f: FieldNamer,
  key: string,
  record: Readonly<Record<string, string>> | undefined,
  what: string,
  maxEntries: number,
  maxBytes: number,
  maxKeyChars = Infinity,
): void {
  if (record === undefined) return;
  let count = 0;
  let bytes = 0;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    if (name.length > maxKeyChars) {
      const shown = JSON.stringify(`${name.slice(0, 40)}...`);
      throw new InvalidField(f(key), `has a key ${name.length} characters long (${shown}); at most ${maxKeyChars}`);
    }
    count += 1;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(record[name] as string);
  }
  if (count > maxEntries) throw new InvalidField(f(key), `has ${count} ${what}; at most ${maxEntries}`);
  if (bytes > maxBytes)
    throw new InvalidField(f(key), `holds ${formatBytes(bytes)} (names and values); at most ${formatBytes(maxBytes)}`);
}

function parsePorts(spec: TaskSpec, f: FieldNamer): PortRequest[] {
  // most tasks publish nothing: no sets for them (every submission and every dispatch parses a spec)
  if (spec.ports === undefined || spec.ports.length === 0) return [];
  const seen = new Set<string>();
  const hostSeen = new Set<string>();
  const names = new Set<string>();
  return (spec.ports ?? []).map((p, i) => {
    const http = p.protocol === 'http';
    const protocol = p.protocol === 'udp' ? 'udp' : 'tcp';
    const key = `${p.container}/${protocol}`;
    if (seen.has(key)) throw new InvalidField(f('ports', i, 'container'), `${key} is listed twice`);
    seen.add(key);
    const hostPort = p.host ?? 0;
    if (p.publish === false && hostPort !== 0)
      throw new InvalidField(f('ports', i, 'host'), `is ${hostPort}, but the port is not published (publish: false)`);
    const hostIp = p.hostIp === undefined ? undefined : checkHostIp(f('ports', i, 'hostIp'), p.hostIp, p.publish);
    if (hostPort !== 0) {
      // per address, as Docker binds them: 127.0.0.1:8080 and 127.0.0.2:8080 go together
      const hostKey = hostPortKey(hostPort, protocol, hostIp);
      const other = heldBeside(hostSeen, hostKey);
      if (other !== undefined)
        throw new InvalidField(
          f('ports', i, 'host'),
          other === hostKey
            ? `${hostKey} is bound twice`
            : `${hostKey} is bound twice (${other} is on that address too)`,
        );
      hostSeen.add(hostKey);
    }
    const port: PortRequest = { containerPort: p.container, hostPort, protocol };
    if (hostIp !== undefined) port.hostIp = hostIp;
    if (http) port.http = true;
    if (p.publish === false) port.publish = false;
    if (p.name !== undefined) {
      if (names.has(p.name)) throw new InvalidField(f('ports', i, 'name'), `"${p.name}" names two ports`);
      names.add(p.name);
      port.name = p.name;
    }
    if (p.balance !== undefined) port.balance = p.balance;
    if (p.proxyProtocol !== undefined) {
      if (protocol !== 'tcp' || http)
        throw new InvalidField(f('ports', i, 'proxyProtocol'), 'applies to tcp ports only');
      port.proxyProtocol = p.proxyProtocol;
    }
    return port;
  });
}

/** A port's host address as Docker takes it; every address (`0.0.0.0`) is as none: where its worker publishes. */
function checkHostIp(field: string, text: string, publish: boolean | undefined): string | undefined {
  const problem = hostIpProblem(text);
  if (problem !== undefined) throw new InvalidField(field, `is ${JSON.stringify(text).slice(0, 80)}; ${problem}`);
  if (publish === false) throw new InvalidField(field, `is ${text}, but the port is not published (publish: false)`);
  const ip = normalHostIp(text) ?? text;
  return isWildcardIp(ip) ? undefined : ip;
}

/**
 * What Docker and Swarm users expect: `always` restarts for as long as the task exists (the
 * backoff keeps a crashing task from spinning), `on-failure` gives up after 3 in a row.
 */
function defaultMaxRestarts(mode: RestartPolicy['mode']): number | null {
  if (mode === 'never') return 0;
  return mode === 'always' ? null : ON_FAILURE_MAX_RESTARTS;
}

function parseRestartPolicy(spec: TaskSpec, f: FieldNamer): RestartPolicy {
  const p = spec.restartPolicy;
  if (p === undefined) return { ...DEFAULT_RESTART_POLICY };
  // one duration: the same wait before every restart
  const backoff = p.backoff;
  const one = typeof backoff === 'string' || typeof backoff === 'number';
  const b = typeof backoff === 'object' || backoff === undefined ? backoff : { initial: backoff, max: backoff };
  const field = (part: 'initial' | 'max'): string => f(one ? 'restartPolicy.backoff' : `restartPolicy.backoff.${part}`);
  const initial =
    b?.initial === undefined ? DEFAULT_RESTART_POLICY.backoffInitialMs : parseDuration(field('initial'), b.initial);
  const max =
    b?.max === undefined ? Math.max(initial, DEFAULT_RESTART_POLICY.backoffMaxMs) : parseDuration(field('max'), b.max);
  if (max < initial)
    throw new InvalidField(f('restartPolicy.backoff.max'), `(${max}ms) is shorter than backoff.initial (${initial}ms)`);
  return {
    mode: p.mode,
    maxRestarts: p.maxRestarts === undefined ? defaultMaxRestarts(p.mode) : p.maxRestarts,
    backoffInitialMs: initial,
    backoffMaxMs: max,
    resetAfterMs:
      p.resetAfter === undefined
        ? DEFAULT_RESTART_POLICY.resetAfterMs
        : parseDuration(f('restartPolicy.resetAfter'), p.resetAfter),
  };
}

function parseHealthCheck(spec: TaskSpec, ports: PortRequest[], f: FieldNamer): HealthCheck | null {
  const h = spec.healthCheck;
  if (h === undefined) return null;
  const intervalMs = h.interval === undefined ? 10_000 : parseDuration(f('healthCheck.interval'), h.interval);
  const timeoutMs =
    h.timeout === undefined ? Math.min(2_000, intervalMs) : parseDuration(f('healthCheck.timeout'), h.timeout);
  if (intervalMs <= 0) throw new InvalidField(f('healthCheck.interval'), 'must be above 0');
  if (timeoutMs > intervalMs)
    throw new InvalidField(
      f('healthCheck.timeout'),
      `(${timeoutMs}ms) is longer than healthCheck.interval (${intervalMs}ms)`,
    );
  let port = 0;
  if (h.type === 'http' || h.type === 'tcp') {
    const first = ports.find((p) => p.protocol === 'tcp');
    if (h.port === undefined && first === undefined)
      throw new InvalidField(f('healthCheck.port'), `is required: a ${h.type} check needs a tcp port the task exposes`);
    port = h.port ?? first?.containerPort ?? 0;
    if (!ports.some((p) => p.containerPort === port && p.protocol === 'tcp')) {
      throw new InvalidField(f('healthCheck.port'), `is ${port}, which the task does not expose; add it to ports`);
    }
  }
  if (h.type === 'exec' && h.command === undefined)
    throw new InvalidField(f('healthCheck.command'), 'is required for an exec check');
  const min = h.expectedStatus?.min ?? 200;
  const max = h.expectedStatus?.max ?? 399;
  if (max < min)
    throw new InvalidField(f('healthCheck.expectedStatus.max'), `(${max}) is below expectedStatus.min (${min})`);
  return {
    type: h.type,
    port,
    path: h.path ?? '/',
    expectedStatusMin: min,
    expectedStatusMax: max,
    command: h.command ?? [],
    intervalMs,
    timeoutMs,
    failureThreshold: h.failureThreshold ?? 3,
    startPeriodMs: h.startPeriod === undefined ? 0 : parseDuration(f('healthCheck.startPeriod'), h.startPeriod),
  };
}
