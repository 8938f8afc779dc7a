import {
  MAX_PREFERENCES,
  MAX_REPLICAS,
  type PlacementPreference,
  type TaskTemplate,
  type UpdateConfigSpec,
} from '../api/index.js';
import { isGlobalMode, isJobMode, SERVICE_MODES, type ServiceModeName } from '../api/service-modes.js';
import { isNodeLabelKey } from '../task/constraint.js';
import { composeDuration } from './duration.js';
import { composeLabels } from './labels.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asInteger,
  asList,
  asMap,
  asNumber,
  asScalarText,
  asString,
  composeError,
  composeSize,
  fieldPath,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// `deploy:` (Swarm's part of a Compose file): mode, replicas, update_config, rollback_config,
// restart_policy, resources, placement constraints and preferences. Keys left out take
// Poseidon's defaults (start-first, failure action rollback), not Swarm's (stop-first, pause).
// A job (mode replicated-job or global-job) runs to completion: it has no rollout, so its
// update_config and rollback_config are ignored with a warning, and its restart_policy's
// condition defaults to on-failure, as Swarm's does.

/** What `deploy:` sets on a service and its task template. */
export interface DeployParts {
  /** Set for a mode other than replicated: the default, and a spec that says nothing says it. */
  mode?: Exclude<ServiceModeName, 'replicated'>;
  replicas?: number;
  update?: UpdateConfigSpec;
  rollback?: UpdateConfigSpec;
  labels?: Record<string, string>;
  constraints?: string[];
  preferences?: PlacementPreference[];
  task: Partial<Pick<TaskTemplate, 'restartPolicy' | 'cpu' | 'cpuLimit' | 'memory' | 'pidsLimit'>>;
}

const DEPLOY_KEYS = new Set([
  'mode',
  'replicas',
  'labels',
  'update_config',
  'rollback_config',
  'restart_policy',
  'resources',
  'placement',
]);
const UPDATE_KEYS = new Set(['parallelism', 'delay', 'order', 'monitor', 'failure_action', 'max_failure_ratio']);
const RESTART_KEYS = new Set(['condition', 'max_attempts', 'delay', 'window']);
const RESOURCES_KEYS = new Set(['limits', 'reservations']);
const LIMITS_KEYS = new Set(['cpus', 'memory', 'pids']);
const RESERVATIONS_KEYS = new Set(['cpus', 'memory']);
const PLACEMENT_KEYS = new Set(['constraints', 'preferences']);
const PREFERENCE_KEYS = new Set(['spread']);

export function composeDeploy(value: unknown, path: string, found: Findings): DeployParts {
  const map = asMap(value, path);
  found.unknownKeys(map, path, DEPLOY_KEYS, COMPOSE_KEYS.deploy);
  const parts: DeployParts = { task: {} };
  const at = (key: string): string => fieldPath(path, key);
  const mode = deployMode(map['mode'], at('mode'));
  const global = isGlobalMode(mode);
  const job = isJobMode(mode);
  if (mode !== 'replicated') parts.mode = mode;
  const oneANode =
    `is set with mode: ${mode}, which runs one ${job ? 'task' : 'replica'} on each node ` +
    'that meets the constraints; leave it out';
  if (map['replicas'] !== undefined) {
    // as docker compose: replicas only apply to replicated mode (a replicated job's: the completions it wants)
    if (global) throw composeError(at('replicas'), oneANode);
    parts.replicas = asInteger(map['replicas'], at('replicas'), 0, MAX_REPLICAS);
  }
  if (map['labels'] !== undefined) parts.labels = composeLabels(map['labels'], at('labels'));
  for (const key of ['update_config', 'rollback_config'] as const) {
    if (map[key] === undefined) continue;
    // the manager refuses a job's rollout settings: a file written for Swarm, which ignores them, still deploys
    if (job) found.unsupported.push(`${at(key)} (a ${mode} has no rollout: an update runs it again)`);
    else parts[key === 'update_config' ? 'update' : 'rollback'] = updateConfig(map[key], at(key), found);
  }
  if (map['restart_policy'] !== undefined)
    parts.task.restartPolicy = restartPolicy(map['restart_policy'], at('restart_policy'), found, job ? mode : null);
  if (map['resources'] !== undefined) Object.assign(parts.task, resources(map['resources'], at('resources'), found));
  if (map['placement'] !== undefined) {
    const placement = asMap(map['placement'], at('placement'));
    found.unknownKeys(placement, at('placement'), PLACEMENT_KEYS, COMPOSE_KEYS.placement);
    if (placement['constraints'] !== undefined) {
      const constraints = constraintsOf(placement['constraints'], fieldPath(at('placement'), 'constraints'), found);
      if (constraints.length > 0) parts.constraints = constraints;
    }
    if (placement['preferences'] !== undefined) {
      const path = fieldPath(at('placement'), 'preferences');
      const preferences = preferencesOf(placement['preferences'], path);
      // as the manager: one replica a node leaves nothing to spread
      if (global && preferences.length > 0) throw composeError(path, oneANode);
      if (preferences.length > 0) parts.preferences = preferences;
    }
  }
  return parts;
}

/** `replicated` (the default), `global`, or Swarm's jobs: `replicated-job`, `global-job`. */
function deployMode(value: unknown, path: string): ServiceModeName {
  if (value === undefined || value === null) return 'replicated';
  const mode = SERVICE_MODES.find((m) => m === value);
  if (mode === undefined)
    throw composeError(
      path,
      `must be ${SERVICE_MODES.slice(0, -1)
        .map((m) => `"${m}"`)
        .join(', ')} or "${SERVICE_MODES.at(-1)}" (got ${shown(value)})`,
    );
  return mode;
}

function updateConfig(value: unknown, path: string, found: Findings): UpdateConfigSpec {
  const map = asMap(value, path);
  found.unknownKeys(map, path, UPDATE_KEYS, COMPOSE_KEYS.update);
  const at = (key: string): string => fieldPath(path, key);
  const out: UpdateConfigSpec = {};
  // Swarm reads 0 as "all at once"; Poseidon's updates move a bounded batch, so 0 is refused
  if (map['parallelism'] !== undefined)
    out.parallelism = asInteger(map['parallelism'], at('parallelism'), 1, MAX_REPLICAS);
  if (map['delay'] !== undefined) out.delay = composeDuration(map['delay'], at('delay'));
  if (map['monitor'] !== undefined) out.monitor = composeDuration(map['monitor'], at('monitor'));
  const order = map['order'];
  if (order !== undefined) {
    if (order !== 'start-first' && order !== 'stop-first')
      throw composeError(at('order'), `must be "start-first" or "stop-first" (got ${shown(order)})`);
    out.order = order;
  }
  const action = map['failure_action'];
  if (action !== undefined) {
    if (action !== 'rollback' && action !== 'pause' && action !== 'continue')
      throw composeError(at('failure_action'), `must be "rollback", "pause" or "continue" (got ${shown(action)})`);
    out.failureAction = action;
  }
  if (map['max_failure_ratio'] !== undefined) {
    const ratio = asNumber(map['max_failure_ratio'], at('max_failure_ratio'));
    if (ratio < 0 || ratio > 1)
      throw composeError(at('max_failure_ratio'), `must be a number from 0 to 1 (got ${ratio})`);
    out.maxFailureRatio = ratio;
  }
  return out;
}

type RestartPolicySpec = NonNullable<TaskTemplate['restartPolicy']>;

// condition none | on-failure | any → never | on-failure | always. Swarm waits `delay` between
// restarts, every time: the backoff starts and stays there. `window` (how long a restart must
// run to count as a success) is the time after which Poseidon resets the backoff. A job's
// condition is on-failure unless said (as Swarm's), and never any: its tasks run to completion.
function restartPolicy(value: unknown, path: string, found: Findings, job: string | null): RestartPolicySpec {
  const map = asMap(value, path);
  found.unknownKeys(map, path, RESTART_KEYS, COMPOSE_KEYS.restartPolicy);
  const at = (key: string): string => fieldPath(path, key);
  const condition = map['condition'] ?? (job === null ? 'any' : 'on-failure');
  if (job !== null && condition === 'any')
    throw composeError(
      at('condition'),
      `is "any" with mode: ${job}, whose tasks run to completion (any would restart one that ended well); ` +
        'use "on-failure" (the default for a job) or "none"',
    );
  const mode =
    condition === 'none' ? 'never' : condition === 'on-failure' ? 'on-failure' : condition === 'any' ? 'always' : null;
  if (mode === null)
    throw composeError(at('condition'), `must be "none", "on-failure" or "any" (got ${shown(condition)})`);
  const policy: RestartPolicySpec = { mode };
  if (mode === 'never') return policy;
  // Swarm: max_attempts 0 or absent means no limit
  const attempts = map['max_attempts'] === undefined ? 0 : asInteger(map['max_attempts'], at('max_attempts'), 0);
  policy.maxRestarts = attempts === 0 ? null : attempts;
  if (map['delay'] !== undefined) {
    const delay = composeDuration(map['delay'], at('delay'));
    policy.backoff = { initial: delay, max: delay };
  }
  if (map['window'] !== undefined) policy.resetAfter = composeDuration(map['window'], at('window'));
  return policy;
}

function resources(value: unknown, path: string, found: Findings): DeployParts['task'] {
  const map = asMap(value, path);
  found.unknownKeys(map, path, RESOURCES_KEYS, COMPOSE_KEYS.resources);
  const out: DeployParts['task'] = {};
  const limitsPath = fieldPath(path, 'limits');
  const reservationsPath = fieldPath(path, 'reservations');
  const limits: ComposeMap = map['limits'] === undefined ? {} : asMap(map['limits'], limitsPath);
  const reservations: ComposeMap =
    map['reservations'] === undefined ? {} : asMap(map['reservations'], reservationsPath);
  found.unknownKeys(limits, limitsPath, LIMITS_KEYS, COMPOSE_KEYS.limits);
  found.unknownKeys(reservations, reservationsPath, RESERVATIONS_KEYS, COMPOSE_KEYS.reservations);
  if (limits['cpus'] !== undefined) out.cpuLimit = cpus(limits['cpus'], fieldPath(limitsPath, 'cpus'));
  if (reservations['cpus'] !== undefined) out.cpu = cpus(reservations['cpus'], fieldPath(reservationsPath, 'cpus'));
  if (out.cpu !== undefined && out.cpuLimit !== undefined && out.cpu > out.cpuLimit)
    throw composeError(fieldPath(reservationsPath, 'cpus'), `(${out.cpu}) is above limits.cpus (${out.cpuLimit})`);
  // a task's memory is both what it reserves and its hard limit: the limit when given
  if (limits['memory'] !== undefined) {
    out.memory = composeBytes(limits['memory'], fieldPath(limitsPath, 'memory'));
    if (reservations['memory'] !== undefined)
      found.unsupported.push(`${fieldPath(reservationsPath, 'memory')} (limits.memory is reserved and enforced)`);
  } else if (reservations['memory'] !== undefined) {
    out.memory = composeBytes(reservations['memory'], fieldPath(reservationsPath, 'memory'));
    found.notes.push(
      `${fieldPath(reservationsPath, 'memory')}: Poseidon also enforces it as the container's memory limit`,
    );
  }
  if (limits['pids'] !== undefined) out.pidsLimit = asInteger(limits['pids'], fieldPath(limitsPath, 'pids'), 2);
  return out;
}

export function cpus(value: unknown, path: string): number {
  const n = asNumber(value, path);
  if (n < 0.01) throw composeError(path, `must be at least 0.01 cores (got ${n})`);
  return n;
}

/** Compose's byte values ("512m", "1g", "1.5gb", "64Mi", "2048") as a Poseidon quantity ("512Mi"). */
export function composeBytes(value: unknown, path: string): number | string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const size = composeSize(asScalarText(value, path));
  if (size === undefined) throw composeError(path, `is ${shown(value)}; use bytes or a size such as "512m" or "1g"`);
  return size;
}

// Swarm's constraint syntax: node.labels.KEY, node.hostname (Poseidon's node.name) and node.id,
// with == or !=. Others (node.role, node.platform.*, engine.labels.*) mean nothing to Poseidon's
// workers and are noted, not applied.
const CONSTRAINT = /^\s*(node\.labels\.[^\s=!]+|node\.hostname|node\.id)\s*(==|!=)\s*(\S(?:.*\S)?)\s*$/;

function constraintsOf(value: unknown, path: string, found: Findings): string[] {
  const out: string[] = [];
  asList(value, path).forEach((entry, i) => {
    const at = fieldPath(path, i);
    const text = asString(entry, at);
    const m = CONSTRAINT.exec(text);
    if (m === null) {
      if (/^\s*(node\.role|node\.platform\.|engine\.labels\.)/.test(text)) {
        found.unsupported.push(`${at} (${JSON.stringify(text)})`);
        return;
      }
      throw composeError(
        at,
        `is ${shown(text)}; use "node.labels.KEY == VALUE", "node.hostname != NAME" or "node.id == ID"`,
      );
    }
    const field = m[1] === 'node.hostname' ? 'node.name' : (m[1] ?? '');
    out.push(`${field} ${m[2] ?? ''} ${m[3] ?? ''}`);
  });
  return out;
}

/**
 * Swarm's placement preferences, `- spread: node.labels.KEY` each: the replicas go evenly over
 * the label's values first, the first item weighing most. Swarm has no other kind.
 */
function preferencesOf(value: unknown, path: string): PlacementPreference[] {
  const list = asList(value, path);
  if (list.length > MAX_PREFERENCES) throw composeError(path, `has ${list.length} items; at most ${MAX_PREFERENCES}`);
  const out: PlacementPreference[] = [];
  list.forEach((entry, i) => {
    const at = fieldPath(path, i);
    const item = asMap(entry, at);
    // `x-` keys are Compose's extension fields, which an item may hold too
    const other = Object.keys(item).filter((key) => !PREFERENCE_KEYS.has(key) && !key.startsWith('x-'));
    if (other.length > 0 || item['spread'] === undefined)
      throw composeError(
        at,
        `${other.length > 0 ? `has ${other.map((k) => JSON.stringify(k)).join(', ')}` : 'has no spread'}; ` +
          'an item is {spread: node.labels.KEY}, such as {spread: node.labels.zone}',
      );
    const spread = asString(item['spread'], fieldPath(at, 'spread'));
    const key = /^node\.labels\.(.*)$/.exec(spread)?.[1];
    if (key === undefined || !isNodeLabelKey(key))
      throw composeError(
        fieldPath(at, 'spread'),
        `is ${shown(spread)}; use node.labels.KEY with a node label's key, such as node.labels.zone`,
      );
    if (out.some((p) => p.spread === spread))
      throw composeError(fieldPath(at, 'spread'), `repeats ${spread}; give each label once`);
    out.push({ spread });
  });
  return out;
}
