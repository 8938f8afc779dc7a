import { isGlobalMode, isJobMode, MAX_REPLICAS } from '../api/service-modes.js';
import { InvalidField } from '../errors/index.js';
import { isHostname, MAX_EXTRA_HOSTS, normalCapability } from '../task/container-rules.js';
import { normalExtraHost } from '../task/extra-host.js';
import type { PortSpec } from '../task/index.js';
import { normalMountPath } from '../task/volume.js';
import { splitShellWords } from '../compose/shell-words.js';
import { editedFileRefs, fileRefOf } from './file-flags.js';
import { parseDuration } from '../units/index.js';
import { capabilitiesFlag, countFlag, durationFlag, pairs } from './flags.js';
import { MAX_PLACEMENT_PREFS, placementPrefOf } from './placement-pref.js';
import { coresFlag, limitFieldsOf } from './limit-flags.js';
import { editRuntimeOptions, type RuntimeUpdateFlags } from './runtime-flags.js';
import {
  extraHostsOf,
  healthCheckOf,
  hostnameFlag,
  memoryFlag,
  noCapabilityTwice,
  shmSizeFlag,
  ulimitNameFlag,
  ulimitsOf,
  healthSettingsOf,
  portsOf,
  processFieldsOf,
  restartOf,
  strayHealthFlag,
  tmpfsList,
  tmpfsPathOf,
  type RunImageFlags,
  type TmpfsFlag,
} from './run-image.js';

// `poseidon service update NAME [flags]`, as `docker service update` takes them: each flag changes
// one part of the service's spec (the one it has, or the one -f gives), and the manager gets the
// whole spec. A change of what runs is a new version, rolled out; replicas and the update
// settings are not (src/manager/services/service-ops.ts). Removing what is not there does
// nothing, as with Docker, so a script can run the same update twice.

/** What `service update` takes besides the client's and the output's flags. */
export interface UpdateFlags
  extends
    Omit<
      RunImageFlags,
      | 'name'
      | 'env'
      | 'publish'
      | 'expose'
      | 'volume'
      | 'tmpfs'
      | 'label'
      | 'constraint'
      | 'secret'
      | 'config'
      | 'addHost'
      | 'ulimit'
      | 'sysctl'
    >,
    RuntimeUpdateFlags,
    RolloutFlags {
  filename?: string;
  image?: string;
  /** The command line in place of the replicas' (`""`: the image's CMD again), as docker service update --args. */
  args?: string;
  replicas?: string;
  /** `--max-concurrent N`: a replicated-job's tasks at once. */
  maxConcurrent?: string;
  /** `--env`, the name this command had first for `--env-add`. */
  env?: string[];
  envAdd?: string[];
  envRm?: string[];
  labelAdd?: string[];
  labelRm?: string[];
  publishAdd?: string[];
  publishRm?: string[];
  constraintAdd?: string[];
  constraintRm?: string[];
  placementPrefAdd?: string[];
  placementPrefRm?: string[];
  secretAdd?: string[];
  secretRm?: string[];
  configAdd?: string[];
  configRm?: string[];
  tmpfsAdd?: string[];
  tmpfsRm?: string[];
  hostAdd?: string[];
  hostRm?: string[];
  ulimitAdd?: string[];
  ulimitRm?: string[];
  /** `--no-healthcheck`: commander's negation gives false. */
  healthcheck?: boolean;
  /** `--force`: a new version with nothing else changed (the service's forceUpdate counter, one up). */
  force?: boolean;
}

/** How a new version rolls out: `service create` and `service update` take these. */
export interface RolloutFlags {
  updateParallelism?: string;
  updateDelay?: string;
  updateOrder?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
}

const ROLLOUT_FLAGS: ReadonlyArray<[keyof RolloutFlags, string]> = [
  ['updateParallelism', '--update-parallelism'],
  ['updateDelay', '--update-delay'],
  ['updateOrder', '--update-order'],
  ['updateFailureAction', '--update-failure-action'],
  ['updateMonitor', '--update-monitor'],
];

/** The rollout flags given, by their names (`service create -f FILE` takes none: the file says it). */
export function rolloutFlagsGiven(flags: RolloutFlags): string[] {
  return ROLLOUT_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
}

type Spec = Record<string, unknown> & { task: Record<string, unknown>; update?: Record<string, unknown> };

/** `--replicas`: a whole number (the manager says when it is above its limit). */
export function replicasFlag(text: string): number {
  if (!/^[0-9]{1,6}$/.test(text))
    throw new InvalidField('--replicas', `is ${JSON.stringify(text)}; use a whole number such as 3`);
  return Number(text);
}

/** `--max-concurrent`: a whole number from 1 to the manager's limit on replicas. */
export function maxConcurrentFlag(text: string): number {
  return countFlag('--max-concurrent', text, 1, MAX_REPLICAS);
}

/** A job has no rollout (an update runs it again): the first `--update-*` flag given is refused, by name. */
export function noRolloutFlagsForJob(flags: RolloutFlags, what: string): void {
  const [flag] = rolloutFlagsGiven(flags);
  if (flag !== undefined)
    throw new InvalidField(flag, `is for a rollout, and ${what} has none (an update runs the job again): leave it out`);
}

/** A job's tasks run to completion: `--restart always` would never let one end. */
export function noJobRestartAlways(restart: string | undefined, what: string): void {
  if (restart !== undefined && restartOf(restart).mode === 'always')
    throw new InvalidField(
      '--restart',
      `is "always", and ${what} runs its tasks to completion: use on-failure (the default) or never`,
    );
}

/**
 * The spec `base` becomes with the flags applied: a copy, `base` untouched. `env` is where
 * `--env-add NAME` (no `=`) takes its value, as for `poseidon run -e NAME`; `forcedFrom` is the
 * service's forceUpdate now, which `--force` counts one up from.
 */
export function updatedSpec(
  base: unknown,
  flags: UpdateFlags,
  env: NodeJS.ProcessEnv = process.env,
  forcedFrom?: unknown,
): Spec {
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    throw new InvalidField('--filename', 'must hold a service spec (an object)');
  const spec = structuredClone(base) as Spec;
  if (typeof spec.task !== 'object' || spec.task === null) spec.task = {};
  const task = spec.task;
  const named = typeof spec.name === 'string' ? spec.name : 'this one';
  const mode = typeof spec.mode === 'string' ? spec.mode : undefined;
  if (flags.replicas !== undefined) {
    // the manager refuses it too; said here naming the flag, and before anything is sent
    if (isGlobalMode(mode))
      throw new InvalidField(
        '--replicas',
        `is for a replicated service; ${named} is ${mode} ` +
          '(one replica on each node that meets its constraints) and is not scaled',
      );
    spec.replicas = replicasFlag(flags.replicas);
  }
  if (flags.maxConcurrent !== undefined) {
    if (mode !== 'replicated-job')
      throw new InvalidField(
        '--max-concurrent',
        `is for a replicated-job (how many of its tasks run at once); ${named} is ${mode ?? 'replicated'}`,
      );
    spec.maxConcurrent = maxConcurrentFlag(flags.maxConcurrent);
  }
  if (isJobMode(mode)) {
    noRolloutFlagsForJob(flags, `${named}, a ${mode},`);
    noJobRestartAlways(flags.restart, `${named}, a ${mode},`);
    // a job's view shows no update or rollback block; a file that gives one is refused by the
    // manager, naming it, rather than dropped here without a word
  }
  if (flags.image !== undefined) task.image = flags.image;
  if (flags.args !== undefined) {
    const command = argsFlag(flags.args);
    if (command.length === 0) delete task.command;
    else task.command = command;
  }
  const envFlag = pairs('--env', flags.env, env); // --env-add's first name here
  const envAdd = pairs('--env-add', flags.envAdd, env);
  const setEnv = envFlag === undefined && envAdd === undefined ? undefined : { ...envFlag, ...envAdd };
  task.env = edited(task.env, flags.envRm, setEnv);
  task.labels = edited(task.labels, flags.labelRm, pairs('--label-add', flags.labelAdd));
  task.ports = editedPorts(task.ports, flags.publishRm, portsOf('--publish-add', flags.publishAdd ?? []));
  editConstraints(spec, flags.constraintRm ?? [], flags.constraintAdd ?? []);
  editPreferences(spec, flags.placementPrefRm ?? [], flags.placementPrefAdd ?? []);
  const secretsAdd = (flags.secretAdd ?? []).map((text) => fileRefOf('--secret-add', text));
  task.secrets = editedFileRefs(task.secrets, flags.secretRm, secretsAdd, 'secret');
  const configsAdd = (flags.configAdd ?? []).map((text) => fileRefOf('--config-add', text));
  task.configs = editedFileRefs(task.configs, flags.configRm, configsAdd, 'config');
  task.tmpfs = editedTmpfs(task.tmpfs, flags.tmpfsRm ?? [], flags.tmpfsAdd ?? []);
  if (flags.cpu !== undefined) task.cpu = coresFlag('--cpu', flags.cpu);
  for (const [field, value] of Object.entries(limitFieldsOf(flags, 'update')))
    if (value === null) delete task[field];
    else task[field] = value;
  if (flags.memory !== undefined) task.memory = memoryFlag('--memory', flags.memory);
  if (flags.restart !== undefined) task.restartPolicy = restartOf(flags.restart);
  // each in place of the one the service has; "" (and --no-read-only) takes it away: the image's own
  // again; --pull missing takes pull away: the default again
  for (const [field, value] of Object.entries(processFieldsOf(flags)))
    if (value === null || value === false) delete task[field];
    else task[field] = value;
  editContainerOptions(task, flags);
  editRuntimeOptions(task, flags);
  editHealthCheck(task, flags);
  const update = updateSettings(flags);
  if (Object.keys(update).length > 0) spec.update = { ...spec.update, ...update };
  for (const key of ['env', 'labels', 'ports', 'secrets', 'configs', 'tmpfs', 'extraHosts', 'ulimits'] as const)
    if (task[key] === undefined) delete task[key];
  // one up from the service's own counter (`forcedFrom`), not the file's: a file never says it
  if (flags.force === true) spec.forceUpdate = (typeof forcedFrom === 'number' ? forcedFrom : 0) + 1;
  return spec;
}

/** A name→value map less `remove`, plus `add` (later wins); undefined when nothing is left of nothing. */
function edited(
  current: unknown,
  remove: readonly string[] | undefined,
  add: Record<string, string> | undefined,
): Record<string, string> | undefined {
  const had = typeof current === 'object' && current !== null ? (current as Record<string, string>) : undefined;
  if (had === undefined && add === undefined) return undefined;
  const out = { ...had };
  for (const name of remove ?? []) delete out[name];
  return { ...out, ...add };
}

/**
 * `--publish-rm 80` takes away every publication of container port 80, `80/udp` only the UDP one;
 * a publication as `--publish-add` writes it (`8080:80`, `9000-9001:90-91/udp`) takes away those of
 * its container ports and protocol, whatever their host port, as `docker service update` does.
 * `--publish-add` puts its ports in place of those with the same container port and protocol.
 */
function editedPorts(current: unknown, remove: readonly string[] | undefined, add: PortSpec[]): PortSpec[] | undefined {
  // each read first: a bad one is refused even where there is nothing to remove
  const removed = (remove ?? []).flatMap((text): { container: number; protocol: string | undefined }[] => {
    const m = /^([0-9]{1,5})(?:\/(tcp|udp|http))?$/.exec(text);
    if (m !== null) return [{ container: Number(m[1]), protocol: m[2] }];
    if (!text.includes(':'))
      throw new InvalidField(
        '--publish-rm',
        `is ${JSON.stringify(text)}; use the container port, such as 80 or 53/udp (or HOST:CONTAINER, as published)`,
      );
    return portsOf('--publish-rm', [text]).map((p) => ({ container: p.container, protocol: protocolOf(p) }));
  });
  if (!Array.isArray(current) && add.length === 0) return undefined;
  const gone = (p: PortSpec): boolean =>
    removed.some((r) => r.container === p.container && (r.protocol === undefined || r.protocol === protocolOf(p))) ||
    add.some((a) => a.container === p.container && protocolOf(a) === protocolOf(p));
  return [...(Array.isArray(current) ? (current as PortSpec[]) : []).filter((p) => !gone(p)), ...add];
}

function protocolOf(p: PortSpec): string {
  return p.protocol ?? 'tcp';
}

/**
 * `--tmpfs-rm PATH` takes the tmpfs at PATH away; `--tmpfs-add` puts one after the rest, in place
 * of one at its path. Paths are compared resolved (`/tmp/` is `/tmp`); none left is none.
 */
function editedTmpfs(current: unknown, remove: readonly string[], add: readonly string[]): unknown {
  // each read first: a bad one is refused even where there is nothing to remove
  const gone = new Set(remove.map((text) => tmpfsPathOf('--tmpfs-rm', text)));
  const added = tmpfsList('--tmpfs-add', add);
  if (gone.size === 0 && added.length === 0) return current;
  const had: unknown[] = Array.isArray(current) ? current : [];
  const pathOf = (t: unknown): string | undefined => {
    const path = typeof t === 'object' && t !== null ? (t as Partial<TmpfsFlag>).path : undefined;
    return typeof path === 'string' ? normalMountPath(path) : undefined;
  };
  const kept = had.filter((t) => {
    const path = pathOf(t);
    return path === undefined || (!gone.has(path) && !added.some((a) => a.path === path));
  });
  const tmpfs = [...kept, ...added];
  return tmpfs.length > 0 ? tmpfs : undefined;
}

/**
 * The container options, as `docker service update` changes them: --hostname and --shm-size in
 * place of the template's ("" takes them away), --host-add|rm, --ulimit-add|rm and --cap-add|drop
 * on its lists.
 */
function editContainerOptions(task: Record<string, unknown>, flags: UpdateFlags): void {
  const set = (field: string, value: unknown): void => {
    if (value === null || value === undefined) delete task[field];
    else task[field] = value;
  };
  if (flags.hostname !== undefined) set('hostname', hostnameFlag('--hostname', flags.hostname));
  if (flags.shmSize !== undefined) set('shmSize', shmSizeFlag('--shm-size', flags.shmSize));
  task.extraHosts = editedHosts(task.extraHosts, flags.hostRm ?? [], flags.hostAdd ?? []);
  task.ulimits = editedUlimits(task.ulimits, flags.ulimitRm ?? [], flags.ulimitAdd ?? []);
  editCapabilities(task, flags.capAdd ?? [], flags.capDrop ?? []);
}

/**
 * `--host-rm NAME` takes away every line of NAME (in any case), `--host-rm NAME:ADDRESS` that line
 * alone; `--host-add` puts a line after the rest unless it is there already (a second address for
 * a name is a second line, as in /etc/hosts). None left is none.
 */
function editedHosts(current: unknown, remove: readonly string[], add: readonly string[]): unknown {
  // each read first: a bad one is refused even where there is nothing to remove
  const gone = remove.map(hostRmOf);
  const added = extraHostsOf('--host-add', add);
  if (gone.length === 0 && added.length === 0) return current;
  const normal = (entry: unknown): string | undefined =>
    typeof entry === 'string' ? (normalExtraHost(entry) ?? entry) : undefined;
  const kept = (Array.isArray(current) ? (current as unknown[]) : []).filter((entry) => {
    const line = normal(entry);
    if (line === undefined) return true;
    const name = lowerName(line).split(':')[0];
    return !gone.some((g) => (g.includes(':') ? g === lowerName(line) : g === name));
  });
  const there = (entry: string): boolean =>
    kept.some((e) => {
      const line = normal(e);
      return line !== undefined && lowerName(line) === lowerName(entry);
    });
  for (const entry of added) if (!there(entry)) kept.push(entry);
  if (kept.length > MAX_EXTRA_HOSTS)
    throw new InvalidField(
      '--host-add',
      `would give the service ${kept.length} /etc/hosts entries; at most ${MAX_EXTRA_HOSTS}`,
    );
  return kept.length > 0 ? kept : undefined;
}

/** `--host-rm`: a name (lowercased: names are compared in any case), or a NAME:ADDRESS line. */
function hostRmOf(text: string): string {
  const t = text.trim();
  const entry = /[:=]/.test(t) ? normalExtraHost(t) : isHostname(t) ? t : undefined;
  if (entry === undefined)
    throw new InvalidField(
      '--host-rm',
      `is ${JSON.stringify(text).slice(0, 80)}; use NAME, or NAME:ADDRESS for that line alone`,
    );
  return lowerName(entry);
}

/** `DB:10.0.0.5` as `db:10.0.0.5`, `DB` as `db`: a host name is the same in any case. */
function lowerName(entry: string): string {
  const colon = entry.indexOf(':');
  return colon < 0 ? entry.toLowerCase() : `${entry.slice(0, colon).toLowerCase()}${entry.slice(colon)}`;
}

/** `--ulimit-rm NAME` takes a limit away, `--ulimit-add` sets one in place of its name's; none left is none. */
function editedUlimits(current: unknown, remove: readonly string[], add: readonly string[]): unknown {
  // each read first: a bad one is refused even where there is nothing to remove
  const gone = remove.map((text) => ulimitNameFlag('--ulimit-rm', text));
  const added = ulimitsOf('--ulimit-add', add);
  if (gone.length === 0 && Object.keys(added).length === 0) return current;
  const had = typeof current === 'object' && current !== null && !Array.isArray(current) ? current : {};
  const out: Record<string, unknown> = { ...had };
  for (const name of gone) delete out[name];
  Object.assign(out, added);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `--cap-add X` adds X to capAdd and takes it from capDrop; `--cap-drop X` the other way round, so
 * the same update twice gives the same spec. Capabilities are compared as Docker names them (the
 * lists are rewritten so: net_admin is NET_ADMIN); an empty list is none.
 */
function editCapabilities(
  task: Record<string, unknown>,
  addTexts: readonly string[],
  dropTexts: readonly string[],
): void {
  const add = capabilitiesFlag('--cap-add', addTexts);
  const drop = capabilitiesFlag('--cap-drop', dropTexts);
  if (add.length === 0 && drop.length === 0) return;
  noCapabilityTwice(add, drop);
  const had = (list: unknown): string[] => {
    const out: string[] = [];
    for (const c of Array.isArray(list) ? (list as unknown[]) : []) {
      const cap = typeof c === 'string' ? (normalCapability(c) ?? c) : String(c);
      if (!out.includes(cap)) out.push(cap);
    }
    return out;
  };
  const capAdd = had(task.capAdd).filter((c) => !drop.includes(c));
  const capDrop = had(task.capDrop).filter((c) => !add.includes(c));
  for (const c of add) if (!capAdd.includes(c)) capAdd.push(c);
  for (const c of drop) if (!capDrop.includes(c)) capDrop.push(c);
  if (capAdd.length > 0) task.capAdd = capAdd;
  else delete task.capAdd;
  if (capDrop.length > 0) task.capDrop = capDrop;
  else delete task.capDrop;
}

/** Rules are compared with their spaces evened out; a removed rule goes from the service's own list too. */
function editConstraints(spec: Spec, remove: readonly string[], add: readonly string[]): void {
  if (remove.length === 0 && add.length === 0) return;
  const norm = (rule: string): string => rule.trim().replace(/\s+/g, ' ');
  const gone = new Set(remove.map(norm));
  const kept = (rules: unknown): string[] =>
    (Array.isArray(rules) ? (rules as string[]) : []).filter((r) => !gone.has(norm(r)));
  const serviceRules = kept(spec.constraints);
  if (spec.constraints !== undefined) spec.constraints = serviceRules;
  const taskRules = kept(spec.task.constraints);
  for (const rule of add)
    if (![...taskRules, ...serviceRules].some((r) => norm(r) === norm(rule))) taskRules.push(rule);
  if (taskRules.length > 0 || spec.task.constraints !== undefined) spec.task.constraints = taskRules;
}

/**
 * `--placement-pref-rm` takes a label's spread away, `--placement-pref-add` puts one after those
 * the service has (one it has already stays where it is); a spec left with none says none.
 */
function editPreferences(spec: Spec, remove: readonly string[], add: readonly string[]): void {
  // each read first: a bad one is refused even where there is nothing to remove
  const gone = new Set(remove.map((text) => placementPrefOf('--placement-pref-rm', text).spread));
  const added = add.map((text) => placementPrefOf('--placement-pref-add', text));
  if (gone.size === 0 && added.length === 0) return;
  // the manager refuses it too; said here naming the flag, and before anything is sent
  const mode = typeof spec.mode === 'string' ? spec.mode : undefined;
  if (added.length > 0 && isGlobalMode(mode))
    throw new InvalidField(
      '--placement-pref-add',
      `is for a replicated service; ${typeof spec.name === 'string' ? spec.name : 'this one'} is ${mode} ` +
        '(one replica on each node that meets its constraints) and spreads over nothing',
    );
  const had = Array.isArray(spec.preferences) ? (spec.preferences as Array<{ spread?: unknown }>) : [];
  const prefs = had.filter((p) => !gone.has(String(p.spread)));
  for (const p of added) if (!prefs.some((q) => q.spread === p.spread)) prefs.push(p);
  if (prefs.length > MAX_PLACEMENT_PREFS)
    throw new InvalidField(
      '--placement-pref-add',
      `would give the service ${prefs.length} placement preferences; at most ${MAX_PLACEMENT_PREFS}`,
    );
  if (prefs.length > 0) spec.preferences = prefs;
  else delete spec.preferences;
}

/** The settings of a check a new `--health-cmd` keeps from the old one, as Docker's does. */
const KEPT_HEALTH_SETTINGS = ['interval', 'timeout', 'failureThreshold', 'startPeriod'] as const;

/**
 * `--health-cmd` puts a new command in place of the old check's, keeping the old one's interval,
 * timeout, retries and start period unless their flags say otherwise (as `docker service update`
 * does: a check every 2s stays every 2s, not Docker's default 30s); settings alone change the
 * check the service has; `--no-healthcheck` takes it away.
 */
function editHealthCheck(task: Record<string, unknown>, flags: UpdateFlags): void {
  if (flags.healthcheck === false) {
    if (flags.healthCmd !== undefined)
      throw new InvalidField('--no-healthcheck', 'and --health-cmd say opposite things; give one');
    delete task.healthCheck;
    task.imageHealthCheck = false; // as Docker's: the image's HEALTHCHECK goes too
    return;
  }
  if (flags.healthCmd !== undefined) {
    const had = task.healthCheck;
    const kept: Record<string, unknown> = {};
    if (typeof had === 'object' && had !== null)
      for (const key of KEPT_HEALTH_SETTINGS) if (key in had) kept[key] = (had as Record<string, unknown>)[key];
    // the manager checks the whole check, a kept timeout against a new interval among the rest
    task.healthCheck = fitTimeout({ ...healthCheckOf(flags), ...kept, ...healthSettingsOf(flags) }, flags);
    delete task.imageHealthCheck;
    return;
  }
  const stray = strayHealthFlag(flags);
  if (stray === undefined) return;
  const current = task.healthCheck;
  if (typeof current !== 'object' || current === null)
    throw new InvalidField(stray, 'goes with --health-cmd: the service has no health check to change');
  // the manager checks the whole check, the timeout against the interval among the rest
  task.healthCheck = fitTimeout({ ...current, ...healthSettingsOf(flags) }, flags);
}

/**
 * A new `--health-interval` without `--health-timeout` shortens a kept timeout longer than it to
 * the interval, as a new check's timeout is (30s, or the interval if shorter): the one kept was
 * most often that default, taken from the old interval, and one check runs at a time.
 */
function fitTimeout(check: Record<string, unknown>, flags: UpdateFlags): Record<string, unknown> {
  const interval = check.interval;
  if (flags.healthInterval === undefined || flags.healthTimeout !== undefined || typeof interval !== 'number')
    return check;
  const timeout = check.timeout;
  let timeoutMs: number | undefined;
  if (typeof timeout === 'number') timeoutMs = timeout;
  else if (typeof timeout === 'string') {
    try {
      timeoutMs = parseDuration('timeout', timeout);
    } catch {
      return check; // the manager names what is wrong with it
    }
  }
  return timeoutMs !== undefined && timeoutMs > interval ? { ...check, timeout: interval } : check;
}

/** The `update` block's settings the flags give. */
export function updateSettings(flags: RolloutFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // the manager's own range, so any refusal here says the same one
  if (flags.updateParallelism !== undefined)
    out.parallelism = countFlag('--update-parallelism', flags.updateParallelism, 1, MAX_REPLICAS);
  if (flags.updateDelay !== undefined) out.delay = durationFlag('--update-delay', flags.updateDelay);
  if (flags.updateMonitor !== undefined) out.monitor = durationFlag('--update-monitor', flags.updateMonitor);
  if (flags.updateOrder !== undefined) out.order = oneOf('--update-order', flags.updateOrder, UPDATE_ORDERS);
  if (flags.updateFailureAction !== undefined)
    out.failureAction = oneOf('--update-failure-action', flags.updateFailureAction, FAILURE_ACTIONS);
  return out;
}

const UPDATE_ORDERS = ['start-first', 'stop-first'] as const;
const FAILURE_ACTIONS = ['rollback', 'pause', 'continue'] as const;

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw new InvalidField(
      flag,
      `is ${JSON.stringify(value)}; use ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`,
    );
  return value;
}

/** `--args "sh -c 'exec httpd -f'"`: the words a shell would make of it; none for "". */
function argsFlag(text: string): string[] {
  const words = splitShellWords(text);
  if (words === null) throw new InvalidField('--args', `leaves a quote open: ${JSON.stringify(text).slice(0, 80)}`);
  return words;
}
