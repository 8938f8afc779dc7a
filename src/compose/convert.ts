import { MAX_SERVICE_LABELS, STACK_LABEL, type ServiceSpec, type TaskTemplate } from '../api/index.js';
import { isDnsLabel, MAX_LABELS, NAME_RULE } from '../task/index.js';
// not in task/index.js's surface yet
import { MAX_TMPFS } from '../task/spec.js';
import { isUser, normalStopSignal, STOP_SIGNAL_RULE, USER_RULE, type PullPolicy } from '../task/process-rules.js';
import { composeContainerFields } from './container.js';
import { composeDeploy } from './deploy.js';
import { composeDuration } from './duration.js';
import { composeEnvironment } from './environment.js';
import { composeEnvFiles } from './env-file.js';
import { resolveExtends } from './extends.js';
import { composeFileRefs, declaredFiles, type FileDeclarations, type ReadBytes, type StackFile } from './files.js';
import { composeHealthCheck } from './healthcheck.js';
import { interpolate } from './interpolate.js';
import { activeServices } from './profiles.js';
import { composeLabels } from './labels.js';
import { composeExpose, composePorts } from './ports.js';
import { portText } from '../task/port-text.js';
import { composeRuntimeFields } from './runtime.js';
import { noteUnreachable } from './reachability.js';
import { composeServiceLimits, SERVICE_LIMIT_KEYS } from './service-limits.js';
import { splitShellWords } from './shell-words.js';
import {
  composeTmpfs,
  composeVolumes,
  declaredVolumes,
  noteSharedVolumes,
  tmpfsMounts,
  type ComposeTmpfs,
  type VolumeNames,
} from './volumes.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asBoolean,
  asDocument,
  asList,
  asMap,
  asScalarText,
  asString,
  composeError,
  Findings,
  isMap,
  fieldPath,
  shown,
  type ComposeMap,
} from './values.js';

// A Compose document (already read from YAML) → the services of one stack. Each service is
// named `<stack>-<key>` (a DNS label, or the file is refused naming the service) and carries the
// label `poseidon.stack=<stack>`, by which a later deploy finds the stack's services.

/** The label that ties a service to its stack (src/api/service.ts). */
export { STACK_LABEL };

export interface ComposeOptions {
  /** The stack's name: a DNS label. */
  stack: string;
  /** The Compose file's directory: relative bind mounts start there (default "/"). */
  baseDir?: string;
  /**
   * The variables `${VAR}` in the file's values and `environment: [KEY]` take: the deploying
   * shell's environment, over the `.env` beside the file (the CLI merges them).
   */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Reads an `env_file` (a path made absolute from baseDir); without it an env_file is refused. */
  readFile?: (path: string) => string;
  /**
   * Reads a secret's or config's `file:` (a path made absolute from baseDir), at most `limit`
   * bytes of it; without it such a file is refused.
   */
  readBytes?: ReadBytes;
}

export interface ComposeStack {
  services: ServiceSpec[];
  /** The secrets and configs the services mount, with the values to create them with (secrets first). */
  files: StackFile[];
  /** The first lists every key Poseidon does not support, by path; then other notes. */
  warnings: string[];
}

// "1 to 63 lowercase letters, ...": the rule without its "must be a DNS label: "
const LABEL_RULE = NAME_RULE.slice(NAME_RULE.indexOf(': ') + 2);

const TOP_KEYS = new Set(['version', 'name', 'services', 'volumes', 'secrets', 'configs']);
const SERVICE_KEYS = new Set([
  'image',
  'pull_policy',
  'command',
  'entrypoint',
  'user',
  'working_dir',
  'stop_signal',
  'stop_grace_period',
  'read_only',
  'init',
  'hostname',
  'extra_hosts',
  'shm_size',
  'ulimits',
  'cap_add',
  'cap_drop',
  'sysctls',
  'group_add',
  'logging',
  'tmpfs',
  'environment',
  'env_file',
  'ports',
  'expose',
  'labels',
  'healthcheck',
  'deploy',
  'volumes',
  'secrets',
  'configs',
  'profiles',
  ...SERVICE_LIMIT_KEYS,
]);

/** What the top-level keys declare, which services name. */
interface Declared {
  volumes: VolumeNames;
  secrets: FileDeclarations;
  configs: FileDeclarations;
}

export function composeToServices(file: unknown, options: ComposeOptions): ComposeStack {
  const { stack } = options;
  if (!isDnsLabel(stack)) throw composeError('stack name', `${NAME_RULE} (got ${shown(stack)})`);
  asDocument(file);
  const hostEnv = options.hostEnv ?? {};
  const { doc: values, unset } = interpolate(file, hostEnv);
  const doc = values as ComposeMap;
  const found = new Findings();
  if (unset.length > 0)
    found.notes.push(
      `not set, so substituted as empty (as docker compose does): ${unset.map((v) => `$${v}`).join(', ')}`,
    );
  const full: Required<ComposeOptions> = {
    ...options,
    baseDir: options.baseDir ?? '/',
    hostEnv,
    readFile: options.readFile ?? cannotRead,
    readBytes: options.readBytes ?? cannotRead,
  };
  let read: { specs: ServiceSpec[]; declared: Declared };
  try {
    read = readDocument(doc, full, found);
  } catch (err) {
    // a misspelt key is often why a later check fails (`imag:` leaves image required): it is named first
    found.refuseNotCompose();
    throw err;
  }
  // before anything is deployed: a key that is no Compose key is a typo, and what it meant must not be dropped
  found.refuseNotCompose();
  // only what a service mounts is read and created
  const files = [read.declared.secrets, read.declared.configs].flatMap((d) => d.files());
  return { services: read.specs, files, warnings: found.warnings() };
}

/** The document's declarations and services, read in the order their keys depend on one another. */
function readDocument(
  doc: ComposeMap,
  options: Required<ComposeOptions>,
  found: Findings,
): { specs: ServiceSpec[]; declared: Declared } {
  const { stack } = options;
  found.unknownKeys(doc, '', TOP_KEYS, COMPOSE_KEYS.top);
  if (doc['services'] === undefined || doc['services'] === null)
    throw composeError('services', 'is required: a Compose file names its services under services:');
  const all = asMap(doc['services'], 'services');
  if (Object.keys(all).length === 0) throw composeError('services', 'names no service');
  const services = activeServices(resolveExtends(all, options.hostEnv), options.hostEnv, found);
  const declared: Declared = {
    volumes: declaredVolumes(doc['volumes'], stack, found),
    secrets: declaredFiles(doc['secrets'], 'secret', stack, found, options),
    configs: declaredFiles(doc['configs'], 'config', stack, found, options),
  };
  const specs = Object.entries(services).map(([key, body]) => serviceSpec(key, body, declared, options, found));
  noteUnreachable(services, specs, found);
  noteSharedVolumes(Object.keys(services), specs, declared.volumes, found);
  return { specs, declared };
}

function serviceSpec(
  key: string,
  body: unknown,
  declared: Declared,
  options: Required<ComposeOptions>,
  found: Findings,
): ServiceSpec {
  const path = fieldPath('services', key);
  const name = `${options.stack}-${key}`;
  if (!isDnsLabel(name))
    throw composeError(
      path,
      `makes the service name "${name}" (<stack>-<service>), which is not a DNS label (${LABEL_RULE})`,
    );
  const map: ComposeMap = body === null ? {} : asMap(body, path);
  found.unknownKeys(map, path, SERVICE_KEYS, COMPOSE_KEYS.service);
  const at = (k: string): string => fieldPath(path, k);
  if (map['image'] === undefined) {
    const why = map['build'] === undefined ? '' : '; Poseidon does not build images: build it and name it here';
    throw composeError(at('image'), `is required${why}`);
  }
  const image = asScalarText(map['image'], at('image'));
  const task: TaskTemplate = { image };
  const pull = composePullPolicy(map['pull_policy'], at('pull_policy'), found);
  if (pull !== undefined) task.pull = pull;
  const command =
    map['command'] === undefined || map['command'] === null ? undefined : words(map['command'], at('command'));
  if (command !== undefined && command.length > 0) task.command = command;
  Object.assign(
    task,
    processFields(map, at),
    composeContainerFields(map, at, found),
    composeRuntimeFields(map, at, found),
  );
  if (map['env_file'] !== undefined || map['environment'] !== undefined) {
    // as in Compose: the files in order, then `environment`, each over what came before
    const env = {
      ...(map['env_file'] === undefined
        ? {}
        : composeEnvFiles(map['env_file'], at('env_file'), options.baseDir, options.readFile)),
      ...(map['environment'] === undefined
        ? {}
        : composeEnvironment(map['environment'], at('environment'), options.hostEnv, found)),
    };
    if (Object.keys(env).length > 0) task.env = env;
  }
  const published = map['ports'] === undefined ? [] : composePorts(map['ports'], at('ports'), found);
  const exposed = map['expose'] === undefined ? [] : composeExpose(map['expose'], at('expose'), published);
  if (published.length + exposed.length > 0) task.ports = [...published, ...exposed];
  if (map['labels'] !== undefined) {
    const labels = composeLabels(map['labels'], at('labels'));
    if (Object.keys(labels).length > 0) task.labels = labels;
  }
  if (map['healthcheck'] !== undefined) {
    const check = composeHealthCheck(map['healthcheck'], at('healthcheck'), found);
    if (check === 'off') task.imageHealthCheck = false;
    else if (check !== undefined) task.healthCheck = check;
  }
  // tmpfs: the service's own key, then the volumes of type: tmpfs
  const tmpfs: ComposeTmpfs[] =
    map['tmpfs'] === undefined || map['tmpfs'] === null ? [] : composeTmpfs(map['tmpfs'], at('tmpfs'), found);
  if (map['volumes'] !== undefined) {
    const mounts = composeVolumes(map['volumes'], at('volumes'), declared.volumes, options.baseDir, found);
    if (mounts.volumes.length > 0) task.volumes = mounts.volumes;
    tmpfs.push(...mounts.tmpfs);
  }
  if (tmpfs.length > MAX_TMPFS)
    throw composeError(path, `mounts ${tmpfs.length} tmpfs (tmpfs: and volumes of type: tmpfs); at most ${MAX_TMPFS}`);
  if (tmpfs.length > 0) task.tmpfs = tmpfsMounts(tmpfs, task.volumes ?? []);
  if (map['secrets'] !== undefined && map['secrets'] !== null) {
    const refs = composeFileRefs(map['secrets'], at('secrets'), declared.secrets, found);
    if (refs.length > 0) task.secrets = refs;
  }
  if (map['configs'] !== undefined && map['configs'] !== null) {
    const refs = composeFileRefs(map['configs'], at('configs'), declared.configs, found);
    if (refs.length > 0) task.configs = refs;
  }
  const deploy =
    map['deploy'] === undefined || map['deploy'] === null
      ? { task: {} }
      : composeDeploy(map['deploy'], at('deploy'), found);
  Object.assign(task, deploy.task, composeServiceLimits(map, at, deploy.task, deploy.mode, found));
  // the stack's label goes on the service and on its replicas: it must fit beside the file's own
  withinLabelLimit(deploy.labels, MAX_SERVICE_LABELS, fieldPath(at('deploy'), 'labels'));
  withinLabelLimit(task.labels, MAX_LABELS, at('labels'));
  const spec: ServiceSpec = { name, task, labels: { ...deploy.labels, [STACK_LABEL]: options.stack } };
  if (deploy.mode !== undefined) spec.mode = deploy.mode;
  if (deploy.replicas !== undefined) spec.replicas = deploy.replicas;
  const fixed = (task.ports ?? []).filter((p) => p.host !== undefined && p.host > 0);
  // a global service (no replicas) runs one replica a node: its host ports never meet
  if ((deploy.replicas ?? 1) > 1 && fixed.length > 0) {
    // Swarm's short syntax means its routing mesh: every node takes the port. Here each replica
    // publishes it on its own node, and two cannot hold one port on the same node.
    const ports = fixed.map((p) => portText({ ...p, host: p.host ?? 0, protocol: p.protocol ?? 'tcp' })).join(', ');
    found.notes.push(
      `${at('ports')}: ${ports} is published on the node of each replica (no routing mesh), so its ` +
        `${deploy.replicas} replicas need as many nodes; the service's virtual IP balances over all of them ` +
        `without a host port (poseidon service inspect ${name})`,
    );
  }
  if (fixed.length > 0 && deploy.update?.order === 'start-first')
    // the default is stop-first for this reason (parse-service.ts); written out, it is kept, and said
    found.notes.push(
      `${fieldPath(at('deploy'), 'update_config')}.order: start-first with the fixed host port ` +
        `${fixed.map((p) => p.host).join(', ')}: a replica's new version cannot start on its node while the old ` +
        `one holds the port, so where no other node can take it, the update stops the old one first (as ` +
        `stop-first does) and says so`,
    );
  if (deploy.constraints !== undefined) spec.constraints = deploy.constraints;
  if (deploy.preferences !== undefined) spec.preferences = deploy.preferences;
  if (deploy.update !== undefined) spec.update = deploy.update;
  if (deploy.rollback !== undefined) spec.rollback = deploy.rollback;
  return spec;
}

/**
 * How the container's process runs and stops: `entrypoint` in place of the image's ("" or []: none),
 * `user`, `working_dir`, `stop_signal`, `stop_grace_period` and `read_only`; null is as absent.
 */
function processFields(map: ComposeMap, at: (key: string) => string): Partial<TaskTemplate> {
  const out: Partial<TaskTemplate> = {};
  const given = (key: string): unknown => (map[key] === null ? undefined : map[key]);
  if (given('entrypoint') !== undefined) out.entrypoint = words(map['entrypoint'], at('entrypoint'));
  if (given('user') !== undefined) {
    // `user: 1000` is a number in YAML
    const user = asScalarText(map['user'], at('user'));
    if (!isUser(user)) throw composeError(at('user'), `${USER_RULE} (got ${shown(user)})`);
    out.user = user;
  }
  if (given('working_dir') !== undefined) {
    const dir = asString(map['working_dir'], at('working_dir'));
    if (!dir.startsWith('/') || dir.includes('\0'))
      throw composeError(
        at('working_dir'),
        `must be an absolute path in the container, such as /app (got ${shown(dir)})`,
      );
    out.workdir = dir;
  }
  if (given('stop_signal') !== undefined) {
    const text = asScalarText(map['stop_signal'], at('stop_signal'));
    const signal = normalStopSignal(text);
    if (signal === undefined) throw composeError(at('stop_signal'), `${STOP_SIGNAL_RULE} (got ${shown(text)})`);
    out.stopSignal = signal;
  }
  if (given('stop_grace_period') !== undefined)
    out.stopGracePeriod = composeDuration(map['stop_grace_period'], at('stop_grace_period'));
  // false is the default: no field, so a file that says it compares equal to one that does not
  if (given('read_only') !== undefined && asBoolean(map['read_only'], at('read_only'))) out.readOnlyRootfs = true;
  return out;
}

/**
 * `pull_policy`, as Compose spells it: `always` and `never` are the task's own; `missing` and its
 * older name `if_not_present` are the default (no field, so a file that says it compares equal to
 * one that does not). `build` is noted: Poseidon builds nothing, and pulls when a node lacks the
 * image. Compose's pulls on a schedule (`daily`, `weekly`, `every_12h`) and anything else are refused.
 */
function composePullPolicy(value: unknown, path: string, found: Findings): Exclude<PullPolicy, 'missing'> | undefined {
  if (value === undefined || value === null) return undefined;
  const policy = asString(value, path);
  if (policy === 'always' || policy === 'never') return policy;
  if (policy === 'missing' || policy === 'if_not_present') return undefined;
  if (policy === 'build') {
    found.unsupported.push(`${path} (build: Poseidon builds no image; a node pulls it when it lacks it)`);
    return undefined;
  }
  const scheduled = /^(daily|weekly|every_.*)$/.test(policy) ? '; Poseidon pulls on no schedule' : '';
  throw composeError(
    path,
    `must be "always", "missing" (or "if_not_present") or "never"${scheduled} (got ${shown(policy)})`,
  );
}

/** A command as a list, or one string split into words as a shell would (nothing expanded). */
function words(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return asList(value, path).map((w, i) => asScalarText(w, fieldPath(path, i)));
  const text = asScalarText(value, path);
  const split = splitShellWords(text);
  if (split === null) throw composeError(path, `leaves a quote open: ${shown(text)}`);
  return split;
}

function cannotRead(): never {
  throw Object.assign(new Error('no file access given'), { code: 'EACCES' });
}

/** Refuses labels that leave no room for the stack's label, naming the key the file wrote them under. */
function withinLabelLimit(labels: Readonly<Record<string, string>> | undefined, max: number, path: string): void {
  const own = Object.keys(labels ?? {}).filter((k) => k !== STACK_LABEL).length;
  if (own >= max)
    throw composeError(path, `has ${own} labels; at most ${max - 1} in a stack (poseidon deploy adds ${STACK_LABEL})`);
}
