import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { composeSize, Findings } from '../compose/values.js';
import { DOCKER_INTERVAL_MS, DOCKER_RETRIES, DOCKER_TIMEOUT_MS, shellCommand } from '../compose/healthcheck.js';
import { composeExpose, composePorts } from '../compose/ports.js';
import { splitShellWords } from '../compose/shell-words.js';
import { InvalidField } from '../errors/index.js';
import { capabilitiesFlag, durationFlag, nameFlag, pairs } from './flags.js';
import { fileRefOf } from './file-flags.js';
import { coresFlag, limitFieldsOf, type LimitFlags } from './limit-flags.js';
import { runtimeFieldsOf, type RuntimeFlags } from './runtime-flags.js';
import { isValidImageRef } from '../task/image-ref.js';
import {
  EXTRA_HOST_RULE,
  HOSTNAME_RULE,
  isHostname,
  isSoftAboveHard,
  isUlimitName,
  MAX_EXTRA_HOSTS,
  ULIMIT_NAME_RULE,
} from '../task/container-rules.js';
import { normalExtraHost } from '../task/extra-host.js';
import {
  isPullPolicy,
  isUser,
  normalStopSignal,
  PULL_RULE,
  STOP_SIGNAL_RULE,
  type PullPolicy,
} from '../task/process-rules.js';
import type { PortSpec } from '../task/index.js';
import { normalMountPath } from '../task/volume.js';
import { parseQuantity, QUANTITY_PATTERN } from '../units/index.js';

// `poseidon run IMAGE [-- COMMAND...]`: a task from flags, as `docker run -d` takes them. The
// flags are read here, each error naming the flag; what they add up to is a native task spec,
// which the manager checks as it checks a task file (memory floor, cpu floor, limits).

export interface RunImageFlags extends RuntimeFlags, LimitFlags {
  name?: string;
  env?: string[];
  publish?: string[];
  expose?: string[];
  volume?: string[];
  /** `--tmpfs PATH[:size=N]`, as docker run's. */
  tmpfs?: string[];
  label?: string[];
  secret?: string[];
  config?: string[];
  constraint?: string[];
  cpu?: string;
  memory?: string;
  restart?: string;
  /** `--pull missing|always|never`, as docker run's. */
  pull?: string;
  entrypoint?: string;
  user?: string;
  workdir?: string;
  stopSignal?: string;
  stopGracePeriod?: string;
  /** `--read-only`; `service update --no-read-only` gives false. */
  readOnly?: boolean;
  /** The container flags, as docker run's: `--add-host NAME:ADDRESS`, `--ulimit NAME=SOFT[:HARD]`, ... */
  hostname?: string;
  addHost?: string[];
  shmSize?: string;
  ulimit?: string[];
  capAdd?: string[];
  capDrop?: string[];
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  /** `--no-healthcheck`: commander's negation gives false (true otherwise). */
  healthcheck?: boolean;
}

/**
 * The container's command: what follows the image, less a leading `--`. A first word that is one
 * of run's own options (`poseidon run nginx --wait`) was meant for Poseidon, as `run FILE --wait`
 * takes it: refused, saying where it goes. After `--` it is the command's, whatever it is.
 */
export function commandAfterImage(
  rest: readonly string[],
  options: ReadonlyArray<{ short?: string; long?: string }>,
  warn: (line: string) => void = (line) => process.stderr.write(`poseidon: warning: ${line}\n`),
): string[] {
  if (rest[0] === '--') return rest.slice(1);
  const first = rest[0]?.split('=')[0];
  const ours = options.find((o) => first !== undefined && (o.long === first || o.short === first));
  if (ours !== undefined)
    throw new InvalidField(
      first ?? '',
      "after the image is the container's command; put poseidon's options before the image " +
        `(${first} ... IMAGE), or -- before a command that starts with ${first}`,
    );
  // further on, one of our long options may be the program's own (helm's --wait), so it is passed
  // on; but `run busybox sleep 30 --wait` is more often a --wait meant here, so that is said
  const later = rest
    .slice(1)
    .filter((word) => options.some((o) => o.long !== undefined && o.long === word.split('=')[0]));
  if (later.length > 0)
    warn(
      `${later.join(', ')} came after the image, so the container's command has ` +
        `${later.length === 1 ? 'it' : 'them'} (${rest.join(' ')}); ` +
        `poseidon's options go before the image, and -- before the command says it is the program's`,
    );
  return [...rest];
}

/** The flags that only an image takes (a task file says all of it). */
const IMAGE_FLAGS: ReadonlyArray<[keyof RunImageFlags, string]> = [
  ['name', '--name'],
  ['env', '--env'],
  ['publish', '--publish'],
  ['expose', '--expose'],
  ['volume', '--volume'],
  ['tmpfs', '--tmpfs'],
  ['label', '--label'],
  ['secret', '--secret'],
  ['config', '--config'],
  ['constraint', '--constraint'],
  ['cpu', '--cpu'],
  ['memory', '--memory'],
  ['cpuLimit', '--cpu-limit'],
  ['pidsLimit', '--pids-limit'],
  ['restart', '--restart'],
  ['pull', '--pull'],
  ['entrypoint', '--entrypoint'],
  ['user', '--user'],
  ['workdir', '--workdir'],
  ['stopSignal', '--stop-signal'],
  ['stopGracePeriod', '--stop-grace-period'],
  ['readOnly', '--read-only'],
  ['hostname', '--hostname'],
  ['addHost', '--add-host'],
  ['shmSize', '--shm-size'],
  ['ulimit', '--ulimit'],
  ['capAdd', '--cap-add'],
  ['capDrop', '--cap-drop'],
  ['sysctl', '--sysctl'],
  ['groupAdd', '--group-add'],
  ['logOpt', '--log-opt'],
  ['healthCmd', '--health-cmd'],
  ['healthInterval', '--health-interval'],
  ['healthTimeout', '--health-timeout'],
  ['healthRetries', '--health-retries'],
  ['healthStartPeriod', '--health-start-period'],
  ['healthcheck', '--no-healthcheck'],
];

/** What `poseidon run TARGET` names: a task file that exists (or is spelled as one), else an image. */
export function runTarget(target: string): 'file' | 'image' {
  if (/\.(ya?ml|json)$/i.test(target)) return 'file';
  return existsSync(target) && statSync(target).isFile() ? 'file' : 'image';
}

/** The image flags given, by their names: a task file cannot take them. */
export function imageFlagsGiven(flags: RunImageFlags): string[] {
  return IMAGE_FLAGS.filter(([key, flag]) => {
    const v = flags[key];
    // a negated flag (--no-healthcheck) is there when false, another when true
    return Array.isArray(v) ? v.length > 0 : typeof v === 'boolean' ? v !== flag.startsWith('--no-') : v !== undefined;
  }).map(([, flag]) => flag);
}

/**
 * The task spec `poseidon run IMAGE [COMMAND...]` submits. `env` is where `--env NAME` (no `=`)
 * takes its value, as `docker run -e NAME` does; `random` names the task when `--name` does not.
 */
export function imageTaskSpec(
  image: string,
  command: readonly string[],
  flags: RunImageFlags,
  env: NodeJS.ProcessEnv = process.env,
  random: () => string = () => randomBytes(2).toString('hex'),
): Record<string, unknown> {
  const template = imageTemplate(image, command, flags, env);
  return { name: nameFlag('--name', flags.name ?? `${nameOfImage(image)}-${random()}`), ...template };
}

/**
 * What the flags say of a task but its name: a task's spec less `name`, as a service's `task`
 * template is (`poseidon service create IMAGE`).
 */
export function imageTemplate(
  image: string,
  command: readonly string[],
  flags: Omit<RunImageFlags, 'name'>,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  if (!isValidImageRef(image))
    throw new InvalidField(
      'IMAGE',
      `is ${JSON.stringify(image)}: neither a task file here nor an image reference such as nginx:1.27`,
    );
  const spec: Record<string, unknown> = { image };
  if (command.length > 0) spec.command = [...command];
  // "" (the image's own) and --pull missing (the default) are no field at all here
  for (const [field, value] of Object.entries(processFieldsOf(flags)))
    if (value !== null && value !== false) spec[field] = value;
  for (const [field, value] of Object.entries(containerFieldsOf(flags))) if (value !== null) spec[field] = value;
  Object.assign(spec, runtimeFieldsOf(flags));
  const vars = pairs('--env', flags.env, env);
  if (vars !== undefined) spec.env = vars;
  const labels = pairs('--label', flags.label);
  if (labels !== undefined) spec.labels = labels;
  const published = portsOf('--publish', flags.publish ?? []);
  const ports = [...published, ...composeExpose(flags.expose ?? [], '--expose', published)];
  if (ports.length > 0) spec.ports = ports;
  const volumes = (flags.volume ?? []).map(volumeOf);
  if (volumes.length > 0) spec.volumes = volumes;
  const tmpfs = tmpfsList('--tmpfs', flags.tmpfs ?? []);
  // the manager refuses it too, naming the task's field: said here naming the flag
  for (const t of tmpfs)
    if (volumes.some((v) => normalMountPath(v.path) === t.path))
      throw new InvalidField('--tmpfs', `mounts a tmpfs at ${t.path}, where a --volume is mounted`);
  if (tmpfs.length > 0) spec.tmpfs = tmpfs;
  if ((flags.secret ?? []).length > 0) spec.secrets = flags.secret?.map((s) => fileRefOf('--secret', s));
  if ((flags.config ?? []).length > 0) spec.configs = flags.config?.map((c) => fileRefOf('--config', c));
  if ((flags.constraint ?? []).length > 0) spec.constraints = [...(flags.constraint ?? [])];
  if (flags.cpu !== undefined) spec.cpu = coresFlag('--cpu', flags.cpu);
  Object.assign(spec, limitFieldsOf(flags, 'image'));
  if (flags.memory !== undefined) spec.memory = memoryFlag('--memory', flags.memory);
  if (flags.restart !== undefined) spec.restartPolicy = restartOf(flags.restart);
  const check = healthCheckOf(flags);
  if (check !== undefined) spec.healthCheck = check;
  if (flags.healthcheck === false) {
    if (check !== undefined)
      throw new InvalidField('--no-healthcheck', 'and --health-cmd say opposite things; give one');
    spec.imageHealthCheck = false; // as docker run's: the image's HEALTHCHECK is not run
  }
  return spec;
}

/**
 * The task's process fields the flags give (pull, entrypoint, user, workdir, stopSignal,
 * stopGracePeriod in ms, readOnlyRootfs), each checked naming its flag. null where "" asks for
 * the image's own (or, for the grace, the worker's) and where `--pull missing` asks for the
 * default; `service update` deletes those fields.
 */
export interface ProcessFields {
  pull?: Exclude<PullPolicy, 'missing'> | null;
  entrypoint?: string[];
  user?: string | null;
  workdir?: string | null;
  stopSignal?: string | null;
  stopGracePeriod?: number | null;
  readOnlyRootfs?: boolean;
}

export function processFieldsOf(flags: Omit<RunImageFlags, 'name'>): ProcessFields {
  const out: ProcessFields = {};
  if (flags.pull !== undefined) {
    const pull = flags.pull.trim().toLowerCase();
    if (!isPullPolicy(pull))
      throw new InvalidField('--pull', `${PULL_RULE} (got ${JSON.stringify(flags.pull).slice(0, 40)})`);
    // missing is the default: no field, so the spec is the one a task file without it gives
    out.pull = pull === 'missing' ? null : pull;
  }
  if (flags.entrypoint !== undefined) {
    // `--entrypoint ""` splits into no words: none, the command runs alone
    const words = splitShellWords(flags.entrypoint);
    if (words === null)
      throw new InvalidField('--entrypoint', `leaves a quote open: ${JSON.stringify(flags.entrypoint).slice(0, 80)}`);
    out.entrypoint = words;
  }
  if (flags.user !== undefined) {
    if (flags.user !== '' && !isUser(flags.user))
      throw new InvalidField(
        '--user',
        `is ${JSON.stringify(flags.user).slice(0, 80)}; use USER or USER:GROUP, each a name or a number, ` +
          'such as 1000:1000 or nobody',
      );
    out.user = flags.user === '' ? null : flags.user;
  }
  if (flags.workdir !== undefined) {
    if (flags.workdir !== '' && (!flags.workdir.startsWith('/') || flags.workdir.includes('\0')))
      throw new InvalidField(
        '--workdir',
        `is ${JSON.stringify(flags.workdir).slice(0, 80)}; use an absolute path in the container, such as /app`,
      );
    out.workdir = flags.workdir === '' ? null : flags.workdir;
  }
  if (flags.stopSignal !== undefined) {
    const signal = flags.stopSignal === '' ? null : normalStopSignal(flags.stopSignal);
    if (signal === undefined)
      throw new InvalidField(
        '--stop-signal',
        `${STOP_SIGNAL_RULE} (got ${JSON.stringify(flags.stopSignal).slice(0, 40)})`,
      );
    out.stopSignal = signal;
  }
  if (flags.stopGracePeriod !== undefined)
    out.stopGracePeriod =
      flags.stopGracePeriod === '' ? null : durationFlag('--stop-grace-period', flags.stopGracePeriod);
  if (flags.readOnly !== undefined) out.readOnlyRootfs = flags.readOnly;
  return out;
}

/** A ulimit as the task spec (and Compose) writes it: one number when soft and hard are alike; -1 is unlimited. */
export type UlimitFlag = number | { soft: number; hard: number };

/**
 * The task's container options the flags give (hostname, extraHosts, shmSize, ulimits, capAdd,
 * capDrop), each checked naming its flag; null where `--hostname ""` or `--shm-size ""` asks for
 * Docker's own (`service update` deletes those fields). Lists given empty are no field.
 */
export interface ContainerFields {
  hostname?: string | null;
  extraHosts?: string[];
  shmSize?: number | string | null;
  ulimits?: Record<string, UlimitFlag>;
  capAdd?: string[];
  capDrop?: string[];
}

export function containerFieldsOf(flags: Omit<RunImageFlags, 'name'>): ContainerFields {
  const out: ContainerFields = {};
  if (flags.hostname !== undefined) out.hostname = hostnameFlag('--hostname', flags.hostname);
  const hosts = extraHostsOf('--add-host', flags.addHost ?? []);
  if (hosts.length > 0) out.extraHosts = hosts;
  if (flags.shmSize !== undefined) out.shmSize = shmSizeFlag('--shm-size', flags.shmSize);
  const ulimits = ulimitsOf('--ulimit', flags.ulimit ?? []);
  if (Object.keys(ulimits).length > 0) out.ulimits = ulimits;
  const capAdd = capabilitiesFlag('--cap-add', flags.capAdd);
  const capDrop = capabilitiesFlag('--cap-drop', flags.capDrop);
  noCapabilityTwice(capAdd, capDrop);
  if (capAdd.length > 0) out.capAdd = capAdd;
  if (capDrop.length > 0) out.capDrop = capDrop;
  return out;
}

/** `--hostname`: a host name, or "" for none of the task's own (Docker's: the container id's start). */
export function hostnameFlag(flag: string, text: string): string | null {
  if (text === '') return null;
  if (!isHostname(text)) throw new InvalidField(flag, `${HOSTNAME_RULE} (got ${JSON.stringify(text).slice(0, 80)})`);
  return text;
}

/** One /etc/hosts entry as `docker run --add-host` takes it (`db:10.0.0.5`, `db=10.0.0.5`), as NAME:ADDRESS. */
export function extraHostFlag(flag: string, text: string): string {
  const entry = normalExtraHost(text);
  if (entry === undefined)
    throw new InvalidField(flag, `${EXTRA_HOST_RULE} (got ${JSON.stringify(text).slice(0, 80)})`);
  return entry;
}

/** Each entry read, the same one once, at most MAX_EXTRA_HOSTS. */
export function extraHostsOf(flag: string, texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const entry = extraHostFlag(flag, text);
    if (!out.includes(entry)) out.push(entry);
  }
  if (out.length > MAX_EXTRA_HOSTS)
    throw new InvalidField(flag, `adds ${out.length} /etc/hosts entries; at most ${MAX_EXTRA_HOSTS}`);
  return out;
}

/**
 * `--shm-size`, as docker reads it: bytes, or k, m, g, t in either case (KiB, MiB, GiB, TiB; `64mb`
 * and `64MiB` too), sent as Poseidon's Ki, Mi, Gi, Ti; a quantity such as 64Mi as written. ""
 * is none of the task's own (Docker's 64 MiB).
 */
export function shmSizeFlag(flag: string, text: string): number | string | null {
  if (text === '') return null;
  const shown = JSON.stringify(text).slice(0, 40);
  const size = composeSize(text);
  if (size === undefined)
    throw new InvalidField(
      flag,
      `is ${shown}; use bytes, or a size such as 64m or 1g (MiB, GiB, as docker reads them) or 64Mi`,
    );
  if (parseQuantity(flag, size) <= 0)
    throw new InvalidField(flag, `is ${shown}; /dev/shm's size must be above 0 (leave it out for the 64 MiB default)`);
  return size;
}

/**
 * `--memory`, as docker reads it: bytes, or k, m, g, t in either case (`512m` is 512 MiB; `512mb`
 * and `512MiB` too), sent as Poseidon's Ki, Mi, Gi, Ti; a quantity such as 512Mi as written. More
 * than any node has (MAX_QUANTITY_BYTES) is refused here; the manager checks the floor (the
 * engine's least) and the node's capacity.
 */
export function memoryFlag(flag: string, text: string): number | string {
  const size = composeSize(text);
  if (size === undefined)
    throw new InvalidField(
      flag,
      `is ${JSON.stringify(text).slice(0, 40)}; use bytes, or a size such as 256m or 1g ` +
        '(MiB, GiB, as docker reads them) or 256Mi',
    );
  parseQuantity(flag, size);
  return size;
}

const ULIMIT_FORM = 'use NAME=SOFT[:HARD], such as nofile=1024:65536 or nproc=512 (-1 or unlimited: no limit)';

/**
 * `nofile=1024:65536`, `nproc=512`: a limit as `docker run --ulimit` takes it, by its setrlimit
 * name (any case); HARD left out is SOFT, as docker's. -1 and `unlimited` are no limit.
 */
export function ulimitOf(flag: string, text: string): [string, UlimitFlag] {
  const shown = JSON.stringify(text).slice(0, 80);
  const m = /^([^=]*)=([^:]*)(?::(.*))?$/.exec(text.trim());
  if (m === null) throw new InvalidField(flag, `is ${shown}; ${ULIMIT_FORM}`);
  const name = ulimitNameFlag(flag, m[1] ?? '', text);
  const value = (v: string): number | undefined => {
    const t = v.trim().toLowerCase();
    if (t === 'unlimited' || t === '-1') return -1;
    const n = Number(t);
    return /^[0-9]+$/.test(t) && Number.isSafeInteger(n) ? n : undefined;
  };
  const soft = value(m[2] ?? '');
  const hard = m[3] === undefined ? soft : value(m[3]);
  if (soft === undefined || hard === undefined) throw new InvalidField(flag, `is ${shown}; ${ULIMIT_FORM}`);
  if (isSoftAboveHard(soft, hard)) throw new InvalidField(flag, `is ${shown}; its soft limit is above its hard one`);
  return [name, soft === hard ? soft : { soft, hard }];
}

/** A limit's name, as setrlimit names it (`nofile`; any case); `text` is what the flag was given, for the message. */
export function ulimitNameFlag(flag: string, name: string, text = name): string {
  const normal = name.trim().toLowerCase();
  if (!isUlimitName(normal))
    throw new InvalidField(flag, `is ${JSON.stringify(text).slice(0, 80)}; the name ${ULIMIT_NAME_RULE}`);
  return normal;
}

/** Each `--ulimit` (or `--ulimit-add`) read, by name; a name given twice is refused. */
export function ulimitsOf(flag: string, texts: readonly string[]): Record<string, UlimitFlag> {
  const out: Record<string, UlimitFlag> = {};
  for (const text of texts) {
    const [name, value] = ulimitOf(flag, text);
    if (name in out) throw new InvalidField(flag, `names ${name} twice; give each limit once`);
    out[name] = value;
  }
  return out;
}

/** A capability both added and dropped is refused, naming --cap-drop, as the manager refuses it naming capDrop. */
export function noCapabilityTwice(capAdd: readonly string[], capDrop: readonly string[]): void {
  const both = capAdd.find((c) => capDrop.includes(c));
  if (both !== undefined)
    throw new InvalidField('--cap-drop', `drops ${both}, which --cap-add adds: give it in one of them`);
}

/** `[[IP:]HOST:]CONTAINER[/udp]` flags, in the Compose reader's port syntax (ranges, `[::1]:8080:80` too). */
export function portsOf(flag: string, values: readonly string[]): PortSpec[] {
  const found = new Findings();
  return values.flatMap((p) => composePorts([p], flag, found));
}

/** `--health-cmd` and its settings, as `docker run` takes them, at the defaults the Compose reader uses. */
export function healthCheckOf(flags: Omit<RunImageFlags, 'name'>): Record<string, unknown> | undefined {
  if (flags.healthCmd === undefined) {
    const stray = strayHealthFlag(flags);
    if (stray !== undefined) throw new InvalidField(stray, 'goes with --health-cmd, which names the check');
    return undefined;
  }
  if (flags.healthCmd.trim() === '') throw new InvalidField('--health-cmd', 'is empty; give a command line');
  const given = healthSettingsOf(flags);
  const intervalMs = given.interval ?? DOCKER_INTERVAL_MS;
  const timeoutMs = given.timeout ?? Math.min(DOCKER_TIMEOUT_MS, intervalMs);
  if (timeoutMs > intervalMs)
    throw new InvalidField('--health-timeout', 'is longer than --health-interval; Poseidon runs one check at a time');
  return {
    type: 'exec',
    command: shellCommand(flags.healthCmd, '--health-cmd'),
    interval: intervalMs,
    timeout: timeoutMs,
    failureThreshold: given.failureThreshold ?? DOCKER_RETRIES,
    ...(given.startPeriod === undefined ? {} : { startPeriod: given.startPeriod }),
  };
}

/** The first `--health-*` setting given (not `--health-cmd`), by its name. */
export function strayHealthFlag(flags: Omit<RunImageFlags, 'name'>): string | undefined {
  const given: RunImageFlags = flags;
  return IMAGE_FLAGS.find(([key, flag]) => flag.startsWith('--health-') && given[key] !== undefined)?.[1];
}

/** A health check's settings, in its fields' names, durations in ms. */
export interface HealthSettings {
  interval?: number;
  timeout?: number;
  failureThreshold?: number;
  startPeriod?: number;
}

/** The health check's settings the flags give, each checked on its own, in a health check's fields. */
export function healthSettingsOf(flags: Omit<RunImageFlags, 'name'>): HealthSettings {
  const out: HealthSettings = {};
  if (flags.healthInterval !== undefined) {
    out.interval = durationFlag('--health-interval', flags.healthInterval);
    if (out.interval <= 0) throw new InvalidField('--health-interval', 'must be above 0');
  }
  if (flags.healthTimeout !== undefined) out.timeout = durationFlag('--health-timeout', flags.healthTimeout);
  if (flags.healthRetries !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(flags.healthRetries))
      throw new InvalidField(
        '--health-retries',
        `is ${JSON.stringify(flags.healthRetries)}; use a whole number from 1`,
      );
    out.failureThreshold = Number(flags.healthRetries);
  }
  if (flags.healthStartPeriod !== undefined)
    out.startPeriod = durationFlag('--health-start-period', flags.healthStartPeriod);
  return out;
}

/** `docker.io/library/nginx:1.27` → `nginx`; what cannot be in a DNS label becomes "-". */
export function nameOfImage(image: string): string {
  const last = image.split('@')[0]?.split('/').pop() ?? '';
  const repo = last.split(':')[0] ?? '';
  const label = repo
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return label === '' ? 'task' : label;
}

/** A tmpfs as the task spec takes it: its path, and its size (bytes, or a quantity such as "64Mi"). */
export interface TmpfsFlag {
  path: string;
  size?: number | string;
}

const QUANTITY = new RegExp(QUANTITY_PATTERN);

/**
 * `/tmp`, `/tmp:size=64m`: a tmpfs, as `docker run --tmpfs` takes it, size= alone after the path.
 * Docker's k, m and g, in either case (KiB, MiB, GiB, as the kernel reads a tmpfs's size=), become
 * Poseidon's Ki, Mi and Gi; a quantity such as 64Mi stays as written, bytes are a number.
 */
export function tmpfsOf(flag: string, text: string): TmpfsFlag {
  const colon = text.indexOf(':');
  const path = tmpfsPathOf(flag, colon < 0 ? text : text.slice(0, colon));
  const options = colon < 0 ? '' : text.slice(colon + 1);
  if (options === '') return { path };
  const shown = JSON.stringify(text).slice(0, 80);
  if (!/^size=[^,]*$/.test(options))
    throw new InvalidField(
      flag,
      `is ${shown}; only size= is taken after the path, such as /tmp:size=64m (a tmpfs is mounted read-write, ` +
        'mode 1777)',
    );
  const given = options.slice('size='.length);
  const docker = /^([0-9]+(?:\.[0-9]+)?)([kmgKMG])$/.exec(given);
  const size =
    docker !== null ? `${docker[1]}${docker[2]?.toUpperCase()}i` : /^[0-9]+$/.test(given) ? Number(given) : given;
  if (typeof size === 'string' && !QUANTITY.test(size))
    throw new InvalidField(
      flag,
      `is ${shown}; size= takes bytes, 512k, 64m or 1g (KiB, MiB, GiB, as docker's) or a quantity such as 64Mi`,
    );
  if (parseQuantity(flag, size) <= 0) throw new InvalidField(flag, `is ${shown}; a tmpfs's size must be above 0`);
  return { path, size };
}

/** Each `--tmpfs` (or `--tmpfs-add`) read, no path twice. */
export function tmpfsList(flag: string, texts: readonly string[]): TmpfsFlag[] {
  const out: TmpfsFlag[] = [];
  for (const text of texts) {
    const t = tmpfsOf(flag, text);
    if (out.some((o) => o.path === t.path)) throw new InvalidField(flag, `mounts a tmpfs at ${t.path} twice`);
    out.push(t);
  }
  return out;
}

/** A tmpfs's path: absolute, resolved as the manager resolves it (`.`, `..`, repeated and trailing slashes), not /. */
export function tmpfsPathOf(flag: string, text: string): string {
  const path = normalMountPath(text);
  if (path === undefined)
    throw new InvalidField(
      flag,
      `is ${JSON.stringify(text).slice(0, 80)}; a tmpfs is at an absolute path in the container, such as /tmp`,
    );
  if (path === '/') throw new InvalidField(flag, `is ${JSON.stringify(text)}; mount a tmpfs on a directory below /`);
  return path;
}

/** `data:/var/lib/data`, `/srv/www:/usr/share/www:ro`: a named volume, or a directory of the node (absolute). */
function volumeOf(text: string): { path: string } & Record<string, unknown> {
  const parts = text.split(':');
  const [source = '', path = '', mode] = parts;
  if (
    parts.length > 3 ||
    source === '' ||
    !path.startsWith('/') ||
    (mode !== undefined && mode !== 'ro' && mode !== 'rw')
  )
    throw new InvalidField(
      '--volume',
      `is ${JSON.stringify(text)}; use NAME:/path or /host/dir:/path, with :ro for read-only`,
    );
  if (source.startsWith('.') || source.startsWith('~'))
    throw new InvalidField('--volume', `is ${JSON.stringify(text)}; a directory of the node is an absolute path`);
  const where = source.startsWith('/') ? { hostPath: source } : { name: source };
  return { ...where, path, ...(mode === 'ro' ? { readOnly: true } : {}) };
}

/** `never`, `always`, `on-failure` or Docker's `on-failure:N` (at most N restarts). */
export function restartOf(text: string): Record<string, unknown> {
  const m = /^(never|no|always|on-failure)(?::([0-9]{1,6}))?$/.exec(text);
  if (m === null || (m[2] !== undefined && m[1] !== 'on-failure'))
    throw new InvalidField('--restart', `is ${JSON.stringify(text)}; use never, always, on-failure or on-failure:N`);
  const mode = m[1] === 'no' ? 'never' : m[1];
  return m[2] === undefined ? { mode } : { mode, maxRestarts: Number(m[2]) };
}
