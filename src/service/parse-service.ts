import {
  ServiceSpec as ServiceSchema,
  type ServiceSpec,
  type UpdateConfigSpec,
  type UpdateOrder,
} from '../api/index.js';
import { isGlobalMode, isJobMode } from '../api/service-modes.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../discovery/defaults.js';
import { InvalidField } from '../errors/index.js';
import { compile, MAX_CONSTRAINTS, parseSpec, validateSpec } from '../task/index.js';
import { parseDuration } from '../units/index.js';
import { slotTaskSpec } from './slot-spec.js';

// A service spec as people write it (POST /services, service files, a Compose file's service),
// checked and with every default filled in, so the spec stored and shown is the spec in effect
// and two parses of the same file compare equal (`poseidon deploy --dry-run` diffs them).

/** An update block with every value in effect; durations in milliseconds. */
export type UpdateConfig = Required<UpdateConfigSpec> & { delay: number; monitor: number; progressDeadline: number };

/**
 * A parsed service spec: every default filled in, the update and rollback blocks complete.
 * `replicas` is absent exactly for a global service (use wantedSlots on a record).
 */
export type ParsedServiceSpec = ServiceSpec & {
  /** Absent means replicated (and records written before global services read so). */
  mode?: 'global' | 'replicated-job' | 'global-job';
  update: UpdateConfig;
  rollback: UpdateConfig;
  /** Milliseconds a stopping replica drains (DEFAULT_DRAIN_TIMEOUT_MS); absent in records written before it existed. */
  drainTimeout?: number;
};

export const DEFAULT_REPLICAS = 1;

/**
 * Swarm's defaults, but start-first (a single replica never goes dark; defaultOrder says when a
 * service's replicas stop first) and a progress deadline.
 */
export const DEFAULT_UPDATE: UpdateConfig = {
  parallelism: 1,
  delay: 0,
  order: 'start-first',
  monitor: 5_000,
  failureAction: 'rollback',
  maxFailureRatio: 0,
  progressDeadline: 600_000,
};

const serviceValidator = compile(ServiceSchema);

/**
 * Validates a service spec and fills in its defaults. `root` prefixes every field an error names
 * (a Compose file's `services.web`); without it errors name `update.parallelism`, `task.image`.
 * The template is held to a task's own rules (units, ports, health check), checked as the task
 * of slot 1 would be. Throws InvalidField; the input is not changed.
 */
export function parseServiceSpec(body: unknown, root = ''): ParsedServiceSpec {
  const f = (name: string): string => (root === '' ? name : `${root}.${name}`);
  const spec = serviceValidator.parse(body, root);
  const global = isGlobalMode(spec.mode);
  // one fewer for a global service: a manager before TaskRequest.pinnedNodeId (in a group being
  // upgraded) pins its replicas by one more rule
  const room = global ? MAX_CONSTRAINTS - 1 : MAX_CONSTRAINTS;
  const constraints = (spec.task.constraints?.length ?? 0) + (spec.constraints?.length ?? 0);
  if (constraints > room)
    throw new InvalidField(f('constraints'), `with the task's own make ${constraints}; at most ${room}`);
  // a replica's task is checked as the task it will be (slot 1's): the schema again, then a task's rules
  parseSpec(validateSpec(slotTaskSpec(spec, 1), f('task')), {}, f('task'));
  const update = parseUpdate(spec.update, { ...DEFAULT_UPDATE, order: defaultOrder(spec.task) }, f('update'));
  const rollback = parseUpdate(spec.rollback, update, f('rollback'));
  if (global && spec.replicas !== undefined)
    throw new InvalidField(
      f('replicas'),
      `is set for a ${spec.mode} service, which runs one replica on each node that meets its constraints; leave it out`,
    );
  checkJob(spec, f);
  const mode = spec.mode === 'replicated' ? undefined : spec.mode;
  const parsed: ParsedServiceSpec = {
    name: spec.name,
    ...(mode === undefined ? {} : { mode }),
    ...(global ? {} : { replicas: spec.replicas ?? DEFAULT_REPLICAS }),
    ...(spec.maxConcurrent === undefined ? {} : { maxConcurrent: spec.maxConcurrent }),
    task: structuredClone(spec.task),
    update,
    rollback,
    drainTimeout:
      spec.drainTimeout === undefined ? DEFAULT_DRAIN_TIMEOUT_MS : parseDuration(f('drainTimeout'), spec.drainTimeout),
  };
  if (spec.constraints !== undefined) parsed.constraints = [...spec.constraints];
  if (spec.preferences !== undefined && spec.preferences.length > 0) {
    if (global)
      throw new InvalidField(
        f('preferences'),
        `are set for a ${spec.mode} service, which runs one replica on each node already; leave them out`,
      );
    parsed.preferences = spec.preferences.map((p) => ({ spread: p.spread }));
  }
  if (spec.labels !== undefined) parsed.labels = { ...spec.labels };
  if (spec.forceUpdate !== undefined) parsed.forceUpdate = spec.forceUpdate;
  return parsed;
}

/**
 * A job's own rules: it has no rollout (an update runs it again), its tasks run to completion
 * (a restart policy of `always` would never let one end), and only a replicated job has a
 * concurrency to limit.
 */
function checkJob(spec: ServiceSpec, f: (name: string) => string): void {
  const job = isJobMode(spec.mode);
  if (spec.maxConcurrent !== undefined && spec.mode !== 'replicated-job')
    throw new InvalidField(
      f('maxConcurrent'),
      `is set for a ${spec.mode ?? 'replicated'} service; only a replicated-job runs a limited number at once`,
    );
  if (!job) return;
  for (const block of ['update', 'rollback'] as const)
    if (spec[block] !== undefined)
      throw new InvalidField(
        f(block),
        `is set for a ${spec.mode}, which has no rollout: an update runs the job again; leave it out`,
      );
  if (spec.task.restartPolicy?.mode === 'always')
    throw new InvalidField(
      f('task.restartPolicy.mode'),
      `is "always" for a ${spec.mode}, whose tasks run to completion: use "on-failure" (the default) or "never"`,
    );
}

/**
 * start-first, unless a replica holds what two copies of its slot cannot share: a fixed host port
 * (the new copy could not start on the old one's node: start-first would go stop-first slot by
 * slot anyway, rollout.ts, after a look for room elsewhere) or a named volume (two copies would
 * write to one data directory).
 */
function defaultOrder(task: ServiceSpec['task']): UpdateOrder {
  const fixedPort = (task.ports ?? []).some((p) => p.host !== undefined && p.host > 0);
  const namedVolume = (task.volumes ?? []).some((v) => v.name !== undefined);
  return fixedPort || namedVolume ? 'stop-first' : 'start-first';
}

/** An update (or rollback) block with the defaults of `base` for what it leaves out. */
function parseUpdate(u: UpdateConfigSpec | undefined, base: UpdateConfig, field: string): UpdateConfig {
  const ms = (name: 'delay' | 'monitor' | 'progressDeadline'): number => {
    const v = u?.[name];
    return v === undefined ? base[name] : parseDuration(`${field}.${name}`, v);
  };
  const out: UpdateConfig = {
    parallelism: u?.parallelism ?? base.parallelism,
    delay: ms('delay'),
    order: u?.order ?? base.order,
    monitor: ms('monitor'),
    failureAction: u?.failureAction ?? base.failureAction,
    maxFailureRatio: u?.maxFailureRatio ?? base.maxFailureRatio,
    progressDeadline: ms('progressDeadline'),
  };
  if (out.parallelism < 1) throw new InvalidField(`${field}.parallelism`, 'must be at least 1');
  if (out.progressDeadline === 0)
    throw new InvalidField(`${field}.progressDeadline`, 'must be above 0: an update ends by it');
  return out;
}
